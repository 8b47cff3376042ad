RULE="FileState: a submitter checks closed before counting itself in (check-then-act against close)"
MODULE=io-stress
TESTS='FileCloseStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.stress.FileCloseStress' "$1"; }
mutate() { perl -0pi -e 's/void enter\(\)\n(\s*)\{\n(\s*)outstanding\.incrementAndGet\(\);\n(\s*)if \(closed\)\n(\s*)\{\n(\s*)exit\(\);\n(\s*)throw new ClosedFileException\("file closed: path=" \+ pathText\);\n(\s*)\}/void enter()\n$1\{\n$3if (closed)\n$4\{\n$6throw new ClosedFileException("file closed: path=" + pathText);\n$7\}\n$2Thread.yield();\n$2outstanding.incrementAndGet();/' io-core/src/main/java/dev/pageio/core/FileState.java; }
