#!/usr/bin/env bash
# The soak (issue 17, item 3): 16 producers per engine, mixed workload, every completion counted once, every page
# re-verified after file and ring closes; prints one line per engine and exits 1 on any lost/duplicated/corrupt
# completion or descriptor/thread growth.
#
#   io-stress/soak.sh --minutes N            (or --seconds N, or --ops N for a count per engine)
#   io-stress/soak.sh --ops 100000000 --engines io_uring   one engine to 10^8 operations
# Other options: --engines io_uring,aio,threads --producers 16 --queue-depth 8 --dir DIR (default io-stress/target/soak,
# on the build's filesystem: O_DIRECT needs ext4/xfs, or tmpfs on Linux >= 6.6). The long runs (10^8 per engine):
# --dir /dev/shm/pageio-soak (tmpfs: the barrier protocol and its syncs run, with nothing to flush); see README.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/jcstress.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$here/../io-core/src" "$here/../io-native/src" "$here/src" -newer "$jar" -name '*.java' -print -quit)" ]; then
  (cd "$here/.." && mvn -B -ntp -q -Pstress -pl io-stress -am package -DskipTests)
fi
args=("$@")
has_dir=0
for a in "${args[@]}"; do [ "$a" = "--dir" ] && has_dir=1; done
[ $has_dir = 1 ] || args+=(--dir "$here/target/soak")
exec java -cp "$jar" dev.pageio.stress.Soak "${args[@]}"
