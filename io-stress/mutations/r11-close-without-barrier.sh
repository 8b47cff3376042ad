RULE="rule 11: closing a file with writes closes it without a barrier"
MODULE=io-test-support
TESTS='ThreadEngineConformanceTest$ChannelFiles#shouldBarrierBeforeClosingAFileWithWrites'
mutate() { perl -0pi -e 's/if \(lastSeq > 0 && !submission\.isClosed\(\)\)/if (false \&\& lastSeq > 0 \&\& !submission.isClosed())/' io-core/src/main/java/dev/pageio/core/IoFile.java; }
