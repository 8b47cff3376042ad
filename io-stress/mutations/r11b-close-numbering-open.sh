RULE="rule 11: close reads S without closing the numbering (a write counted in before the close is numbered after it, uncovered)"
MODULE=io-core
TESTS='FileCloseRaceTest'
mutate() { perl -0pi -e 's/final long lastSeq = state\.barriers\.closeSeq\(\);/final long lastSeq = state.barriers.lastSeq();/' io-core/src/main/java/dev/pageio/core/IoFile.java; }
