RULE="Submission: a submitter that took a slot does not look at closed again (publishes to a ring that stopped)"
# RingCloseStress cannot show it (its write's file is closed by the ring's close first, and FileState.enter refuses
# it): the close barrier, which counts itself in on a closed file, is the request only this look guards.
MODULE=io-test-support
TESTS='RingCloseRaceTest'
mutate() { perl -0pi -e 's/final Slot slot = acquire\(\);\n(\s*)if \(closed\)/final Slot slot = acquire();\n$1if (false)/' io-core/src/main/java/dev/pageio/core/Submission.java; }
