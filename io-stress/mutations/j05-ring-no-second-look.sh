RULE="Submission: a submitter that took a slot does not look at closed again (publishes to a ring that stopped)"
MODULE=io-stress
TESTS='RingCloseStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.stress.RingCloseStress' "$1"; }
mutate() { perl -0pi -e 's/final Slot slot = acquire\(\);\n(\s*)if \(closed\)/final Slot slot = acquire();\n$1if (false)/' io-core/src/main/java/dev/pageio/core/Submission.java; }
