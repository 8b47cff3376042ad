RULE="FileState: a submitter checks closed before counting itself in (check-then-act against close)"
MODULE=io-stress
TESTS='FileStateCloseStress|FileCloseReadStress|FileCloseStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.(core.FileStateCloseStress|stress.FileClose(Read)?Stress)' "$1"; }
mutate() { perl -0pi -e 's/void enter\(\)\n    \{\n.*?\n    \}\n/void enter()\n    {\n        if (isClosed())\n        {\n            throw new ClosedFileException("file closed: path=" + pathText);\n        }\n        Thread.yield();\n        countAndClosed.incrementAndGet();\n    }\n/s' io-core/src/main/java/dev/pageio/core/FileState.java; }
