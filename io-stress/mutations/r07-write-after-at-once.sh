RULE="rule 7: writeAfter writes at once unless its dependency has already failed"
MODULE=io-test-support
TESTS='BarrierRuleTest'
mutate() { perl -0pi -e 's/dependency\.whenComplete\(\(ignored, error\) ->/(dependency.isCompletedExceptionally() ? dependency : CompletableFuture.completedFuture(null)).whenComplete((ignored, error) ->/' io-core/src/main/java/dev/pageio/core/IoFile.java; }
