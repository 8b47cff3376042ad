RULE="rule 5: poison is cleared by the next sync that returns 0 (fsyncgate: a barrier then succeeds)"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldStayFailedAfterAWritebackErrorAlthoughTheNextSyncReturnsZero'
mutate() {
  perl -0pi -e 's/if \(poison != null\)(\s*\{\s*barriers\+\+;\s*sink\.barrierFailed\(barrier, poison\);)/if (false)$1/; s/if \(poison != null\)(\s*\{\s*abortWaiting\(poison, sink\);)/if (false)$1/; s/carrier = null;/carrier = null;\n        if (result >= 0) { poison = null; }/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java
}
