#!/usr/bin/env bash
# CI's short mode of io-stress (issue 17): the Lincheck model checks (surefire, during the build), every jcstress
# test in one short pass, then 15 s of soak per engine (SOAK_SECONDS to change).
# Fails on a failed Lincheck test, any FAILED/ERROR jcstress test (judged by jcstress's own summary) or any
# lost/duplicated/corrupt completion or growth in the soak. About 5-6 minutes on 2 shared cores after ./run-tests has
# built the modules: build + Lincheck ~1 min, jcstress ~3 min (10 tests x 2 configurations: -sc false, one JVM mode),
# soak 3 x 15 s + closes.
# The short pass is a regression net, not the proof: the full runs are in io-stress/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
# No javadoc/sources jars for the modules io-stress builds on: they are not what this step checks. The -Dtest filter
# runs io-stress's Lincheck tests only (./run-tests already ran the other modules' tests).
echo "== io-stress: build, Lincheck model checks"
mvn -B -ntp -q -Pstress -pl io-stress -am package -Dtest='*LincheckTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
out="$here/target/jcstress-run"
rm -rf "$out"
mkdir -p "$out"
echo "== io-stress: jcstress (short pass)"
# -jvmArgs: one JVM mode (no JVM-flag matrix); -sc false: no split-compilation matrix (2 configurations a test)
(cd "$out" && timeout 900 java -jar "$here/target/jcstress.jar" -m quick -jvmArgs -Xmx256m -sc false \
  -t 'dev\.pageio\.' >jcstress.txt 2>&1) || true
grep -E '^\(Results' "$out/jcstress.txt" | tail -1 || true
results="$(grep -E '^\(Results' "$out/jcstress.txt" | tail -1)"
planned="$(sed -nE 's/.*Results: ([0-9]+) planned; ([0-9]+) passed.*/\1/p' <<<"$results")"
passed="$(sed -nE 's/.*Results: ([0-9]+) planned; ([0-9]+) passed.*/\2/p' <<<"$results")"
if ! grep -q 'Failed tests: No matches' "$out/jcstress.txt" || ! grep -q 'Error tests: No matches' "$out/jcstress.txt" ||
   [ -z "$planned" ] || [ "$planned" = 0 ] || [ "$planned" != "$passed" ]; then
  grep -E 'FAILED|ERROR|Forbidden' "$out/jcstress.txt" | head -20 >&2 || true
  echo "jcstress: a test FAILED, had an ERROR or did not run (see $out/jcstress.txt and $out/results/index.html)" >&2
  exit 1
fi
echo "== io-stress: soak ${SOAK_SECONDS:-15} s per engine"
"$here/soak.sh" --seconds "${SOAK_SECONDS:-15}" --dir "$here/target/soak"
