RULE="RingAgent.sleepInKernel: sleeping written with a release store, not a volatile one (Dekker needs store-load order)"
MODULE=io-stress
TESTS='AgentSleepWakeStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.core.AgentSleepWakeStress' "$1"; }
mutate() { perl -0pi -e 's/SLEEPING\.setVolatile\(this, 1\);/SLEEPING.setRelease(this, 1);/' io-core/src/main/java/dev/pageio/core/*.java; }
