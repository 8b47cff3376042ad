#!/usr/bin/env bash
# Shows that the barrier property tests catch the mistakes they claim to (docs/DURABILITY.md rules 2-5, rule 4 pipelined).
# Applies one mutation at a time to BarrierTracker.java (io-core), runs BarrierPropertyTest and PipelinedBarrierTest
# (io-test-support/src/test, dev.pageio.testing.sim), prints
# which tests went red, and restores the file (git checkout). Each mutation MUST turn at least one test red.
# Run from the repository root: io-core/src/test/mutations/barrier-mutations.sh [name...]
set -u
cd "$(git rev-parse --show-toplevel)"
SRC=io-core/src/main/java/dev/pageio/core/BarrierTracker.java
git diff --quiet -- "$SRC" || { echo "$SRC has local changes: commit or stash them first" >&2; exit 2; }
trap 'git checkout -q -- "$SRC"' EXIT

# name | what it breaks | python: old text ||| new text
MUTATIONS=(
"d-equals-t|D = T instead of max (an out-of-order finish pulls D back)|durableData = Math.max(durableData, snapshot);|||durableData = snapshot;"
"covers-nothing-new|a sync issued for a barrier a sync in flight already covers|&& !coveredInFlight(w)))|||))"
"carrier-own-result|a carrier's outcome taken from its own sync, not from the file's poison (sticky failure)|        if (poison != null)
        {
            sink.barrierFailed(carrierSlot, poison);|||        if (result < 0)
        {
            sink.barrierFailed(carrierSlot, poison);"
"no-pump-after-sync|waiters not revisited when a sync finishes (every barrier completes)|            sink.barrierSucceeded(carrierSlot);
        }
        pump(sink);|||            sink.barrierSucceeded(carrierSlot);
        }"
"hold-writes|later writes held back while a sync is in flight (rule 3)|            if (s + 1 - completed <= window)|||            if (s + 1 - completed <= window \&\& inFlight == 0)"
"publish-newest-t|a success publishes the newest T in flight, not its own (success => durable)|            durableData = Math.max(durableData, snapshot);|||            long newest = snapshot;
            for (int j = 0; j < inFlight; j++)
            {
                newest = Math.max(newest, carrierSnapshots[j]);
            }
            durableData = Math.max(durableData, newest);"
)

status=0
for m in "${MUTATIONS[@]}"; do
  name=${m%%|*}; rest=${m#*|}; what=${rest%%|*}; edit=${rest#*|}
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  MUT_EDIT="$edit" python3 - "$SRC" <<'PY' || { echo "mutation $name: text not found"; status=1; continue; }
import os, sys
p = sys.argv[1]; old, new = os.environ["MUT_EDIT"].split("|||")
new = new.replace("\\&", "&")
s = open(p).read()
if old not in s: sys.exit(1)
open(p, "w").write(s.replace(old, new, 1))
PY
  out=$(timeout 600 mvn -B -ntp -q -o -pl io-test-support -am test -Dtest='BarrierPropertyTest,PipelinedBarrierTest' \
      -Dsurefire.failIfNoSpecifiedTests=false 2>&1)
  red=$(grep -E '^\[ERROR\]   (BarrierPropertyTest|PipelinedBarrierTest)\.' <<<"$out" | sed 's/^\[ERROR\]   /    /' | cut -c1-220)
  if [ -z "$red" ]; then red=$(grep -E 'Tests run:.*Fail|ERROR\] Errors|timed out' <<<"$out" | head -3); fi
  if grep -q 'BUILD FAILURE\|There are test failures\|Tests run:.*Failures: [1-9]\|Errors: [1-9]' <<<"$out"; then
    echo "RED   $name: $what"; echo "$red"
  else
    echo "GREEN $name: $what  <- NOT CAUGHT"; status=1
  fi
  git checkout -q -- "$SRC"
done
exit $status
