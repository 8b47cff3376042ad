RULE="rule 4 (K=1): a new sync is issued while one is in flight"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldCostAtMostTwoSyncsForConcurrentBarriersAgainstOneSlowSyncAndNotHoldBackLaterWrites'
mutate() { perl -0pi -e 's/if \(carrier != null \|\| waitHead == null \|\| syncWrites\)/if (waitHead == null || syncWrites)/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
