RULE="rule 6: a short write completes with the bytes of its first part instead of being resubmitted"
MODULE=io-test-support
TESTS='BarrierPropertyTest#shouldResubmitShortWritesAndCompleteThemOnce'
mutate() { perl -0pi -e 's/if \(request\.length > 0 && !\(request\.file\.direct\(\) && !op\.writes\(\)\)\)/if (false \&\& request.length > 0)/' io-core/src/main/java/dev/pageio/core/RingAgent.java; }
