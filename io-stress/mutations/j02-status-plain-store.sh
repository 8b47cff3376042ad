RULE="IoRequest: finish publishes the status with a plain store and status() reads it plainly (x86 TSO may not show it)"
MODULE=io-stress
TESTS='IoRequestStatusStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.core.IoRequest(Status|Failure)Stress' "$1"; }
# finish's store was a release store (setRelease), then a volatile one (setVolatile, for awaitAny's Dekker pair)
mutate() { perl -0pi -e 's/STATUS\.set(Release|Volatile)\(this, outcome\);/STATUS.set(this, outcome);/; s/return \(IoStatus\)STATUS\.getAcquire\(this\);/return (IoStatus)STATUS.get(this);/' io-core/src/main/java/dev/pageio/core/IoRequest.java; }
