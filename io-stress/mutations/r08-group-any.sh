RULE="rule 8: a group barrier completes when any one file's barrier does"
MODULE=io-test-support
TESTS='BarrierRuleTest'
mutate() { perl -0pi -e 's/return CompletableFuture\.allOf\(each\);/return CompletableFuture.anyOf(each).thenAccept(x -> { });/' io-core/src/main/java/dev/pageio/core/IoRing.java; }
