RULE="rule 2: the sync is issued before the covered writes completed (the naive mode, always on)"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldKeepEveryBarrierPropertyOverTenThousandCallerSchedules'
mutate() { perl -0pi -e 's/!\(naive \|\| w\.barrierSeq <= c\)/!(true || w.barrierSeq <= c)/; s/final long snapshot = naive \? Math\.max\(c, w\.barrierSeq\) : c;/final long snapshot = Math.max(c, w.barrierSeq);/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
