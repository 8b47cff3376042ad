RULE="RingAgent.sleepInKernel: no second look at the queues after writing sleeping (sleeps whatever was offered)"
MODULE=io-stress
TESTS='AgentSleepWakeStress'
. "$(dirname "${BASH_SOURCE[0]}")/jcstress.inc"
check() { jcstress_check 'dev.pageio.core.AgentSleepWakeStress' "$1"; }
# every io-core file: the agent's sleep may move to another file (RingAgent is being split)
mutate() { perl -0pi -e 's/(SLEEPING\.setVolatile\(this, 1\);(?:\n\s*\/\/[^\n]*)*\n\s*if \()/${1}true || /' io-core/src/main/java/dev/pageio/core/*.java; }
