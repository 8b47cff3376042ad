#!/usr/bin/env bash
# CI's short mode of io-stress (issue 17): every jcstress test for a short time budget, then 20 s of soak per
# engine. Fails on any FAILED/ERROR jcstress test or any lost/duplicated/corrupt completion or growth.
# About 5-6 minutes on 2 cores: jcstress ~4 min (5 tests x ~45 s), soak 3 x 20 s plus the closes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
mvn -B -ntp -q -Pstress -pl io-stress -am package -DskipTests
out="$here/target/jcstress-run"
mkdir -p "$out"
# one JVM mode (-jvmArgs turns off jcstress's JVM-flag matrix): ~45 s a test on 2 cores
(cd "$out" && java -jar "$here/target/jcstress.jar" -m quick -jvmArgs -Xmx256m -t 'dev\.pageio\.' | tee jcstress.txt)
if ! grep -q 'Failed tests: No matches' "$out/jcstress.txt" || ! grep -q 'Error tests: No matches' "$out/jcstress.txt"; then
  echo "jcstress: a test FAILED or had an ERROR (see $out/jcstress.txt and $out/results/index.html)" >&2
  exit 1
fi
"$here/soak.sh" --seconds "${SOAK_SECONDS:-20}"
