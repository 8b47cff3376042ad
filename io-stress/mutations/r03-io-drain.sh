RULE="rule 3: IOSQE_IO_DRAIN on every io_uring sync (a fence on later writes)"
MODULE=io-native
TESTS='UringBarrierFenceTest'
mutate() { perl -0pi -e 's/int sqeFlags = 0;/int sqeFlags = (request.op == IoOp.FSYNC || request.op == IoOp.FDATASYNC) ? 2 \/* IOSQE_IO_DRAIN *\/ : 0;/' io-native/src/main/java/dev/pageio/linux/uring/UringSqeWriter.java; }
