RULE="FileState: the last request out reads the count and the closed flag in two steps (the FileCloseStress finding)"
MODULE=io-stress
TESTS='FileStateCloseStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.core.FileStateCloseStress|dev.pageio.stress.FileCloseStress' "$1"; }
mutate() { perl -0pi -e 's/if \(countAndClosed\.decrementAndGet\(\) == CLOSED\)/if ((countAndClosed.decrementAndGet() \& ~CLOSED) == 0 \&\& isClosed())/' io-core/src/main/java/dev/pageio/core/FileState.java; }
