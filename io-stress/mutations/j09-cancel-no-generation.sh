RULE="RingAgent.cancel: the slot's generation is not compared (a stale cancel reaches the slot's next request)"
MODULE=io-stress
TESTS='SlotGenerationCancelStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.stress.SlotGenerationCancelStress' "$1"; }
mutate() { perl -0pi -e 's/if \(slot\.generation\(\) != generation \|\| /if (/' io-core/src/main/java/dev/pageio/core/*.java; }
