RULE="rule 4: a sync covers only its own barrier (snapshot S of the carrier, not C): no group commit"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldCostAtMostTwoSyncsForConcurrentBarriersAgainstOneSlowSyncAndNotHoldBackLaterWrites'
mutate() { perl -0pi -e 's/final long snapshot = naive \? Math\.max\(c, w\.barrierSeq\) : c;/final long snapshot = naive ? Math.max(c, w.barrierSeq) : w.barrierSeq;/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
