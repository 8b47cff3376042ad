RULE="rule 1: barrier() covers one write fewer than the last seq issued"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldKeepEveryBarrierPropertyOverTenThousandCallerSchedules,BarrierRuleTest'
mutate() { perl -0pi -e 's/submission\.submitBarrier\(state, mode, state\.barriers\.lastSeq\(\), handler/submission.submitBarrier(state, mode, Math.max(0, state.barriers.lastSeq() - 1), handler/' io-core/src/main/java/dev/pageio/core/IoFile.java; }
