RULE="IoRequest: the completion is published (finish) before its result is written"
MODULE=io-stress
TESTS='IoRequestStatusStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.core.IoRequestStatusStress' "$1"; }
mutate() { perl -0pi -e 's/request\.result = result;\n(\s*)request\.failure = null;\n(\s*)request\.finish\(IoStatus\.COMPLETED\);/request.finish(IoStatus.COMPLETED);\n$1request.result = result;\n$2request.failure = null;/' io-core/src/main/java/dev/pageio/core/IoRequest.java; }
