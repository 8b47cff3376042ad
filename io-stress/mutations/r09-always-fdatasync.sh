RULE="rule 9: every barrier sync is fdatasync, also where FULL (fsync) is needed"
MODULE=io-test-support
TESTS='BarrierRuleTest'
mutate() { perl -0pi -e 's/w\.request\.op = full \? IoOp\.FSYNC : IoOp\.FDATASYNC;/w.request.op = IoOp.FDATASYNC;/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
