RULE="rule 5: a failed covered write does not poison the file (only a failing sync would)"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldKeepEveryBarrierPropertyOverTenThousandCallerSchedules'
mutate() { perl -0pi -e 's/else if \(errno != Errno\.ECANCELED && poison == null\)/else if (false)/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
