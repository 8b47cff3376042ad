RULE="rule 12: the thread engine runs fsync/fdatasync inline on the agent (the completion poller)"
MODULE=io-core
TESTS='ThreadEngineSyncTest'
mutate() { perl -0pi -e 's/(public boolean prepare\(final Request request\)\n\s*\{\n)/\1        if (request.op == dev.pageio.core.IoOp.FSYNC || request.op == dev.pageio.core.IoOp.FDATASYNC)\n        {\n            request.result = execute(request);\n            done.offer(request);\n            inFlight++;\n            return true;\n        }\n/' io-core/src/main/java/dev/pageio/core/threads/ThreadBackend.java; }
