RULE="BarrierTracker.closeSeq: reads S, then sets the closed bit with a plain store (not one CAS): a write numbered between them escapes the close barrier"
MODULE=io-stress
TESTS='BarrierSeqLincheckTest'
# a Lincheck (surefire) test in the stress profile: mutate.sh's default run has no -Pstress
check() {
  mvn -B -ntp -o -Pstress -pl io-stress -am test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -DtrimStackTrace=true >"$1" 2>&1 && grep -qE 'Tests run: [1-9]' "$1"
}
mutate() { perl -0pi -e 's/if \(lastSeq\.compareAndSet\(s, s \| SEQ_CLOSED\)\)/lastSeq.set(s | SEQ_CLOSED);\n            if (true)/' io-core/src/main/java/dev/pageio/core/BarrierTracker.java; }
