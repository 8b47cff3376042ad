RULE="rule 5: a writeback error reported to a plain fsync/fdatasync does not poison the file"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldFailBarriersWhenAPlainSyncWasTheOneToReportTheWritebackError'
mutate() { perl -0pi -e 's/if \(errno == Errno\.ECANCELED \|\| poison != null\)/if (true)/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
