RULE="thread engine: cancel answers canceled without winning the CAS against the worker"
MODULE=io-stress
TESTS='ThreadEngineCancelStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.stress.ThreadEngineCancelStress' "$1"; }
mutate() { perl -0pi -e 's/final int result = workerState\.compareAndSet\(request\.index, W_QUEUED, W_CANCELED\) \? 0 : -Errno\.EALREADY;/workerState.set(request.index, W_CANCELED);\n        final int result = 0;/' io-core/src/main/java/dev/pageio/core/threads/ThreadBackend.java; }
