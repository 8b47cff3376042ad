RULE="rule 2: a barrier succeeds once its writes completed, without a sync (C >= S instead of D >= S)"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldKeepEveryBarrierPropertyOverTenThousandCallerSchedules'
mutate() { perl -0pi -e 's/return s <= \(needsFull\(barrier\) \? durableFull : durableData\);/return s <= completed;/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
