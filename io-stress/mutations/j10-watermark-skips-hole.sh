RULE="BarrierTracker.markCompleted: a write completing out of order moves C as if it were the next one (C jumps a hole)"
MODULE=io-stress
TESTS='BarrierWatermarkStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.stress.BarrierWatermarkStress' "$1"; }
mutate() { perl -0pi -e 's/if \(seq != c \+ 1\)/if (seq < c + 1)/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
