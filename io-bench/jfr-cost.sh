#!/usr/bin/env bash
# jfr-cost.sh: what pageio's JDK Flight Recorder events cost (issue 15 item 1: with the events enabled at the default
# thresholds, IOPS within 3 % of events off; tmpfs 4 KiB randread QD32). Three modes, alternated within each round
# (the order rotates from round to round), on the same file with the same bench arguments:
#
#   off     no recording: JFR is never started, pageio's event classes are never loaded (the hot path pays one null
#           check per request).
#   jfr     a recording with pageio.jfc in which every pageio event is disabled: what a running recording costs by
#           itself (JFR's recorder and periodic threads, its buffers) plus pageio's disabled path (one flag check
#           per request). pageio cannot remove the first part.
#   events  pageio.jfc as shipped: pageio.Read/Write/Sync/Barrier at 20 ms, QueueFull, RingStatistics each 1 s.
#
# The issue's "enabled vs off" is events/off; events/jfr is what pageio's events add to a recording that runs
# anyway (the part pageio controls). Each run is `./pageio-bench --engine E --file F --size S --qd 32 --runtime R
# --warmup W --json`, with JDK_JAVA_OPTIONS="-XX:StartFlightRecording:settings=<jfc>" for jfr and events. Prints per
# engine and mode the median IOPS and CPU per I/O over the rounds (and every round's IOPS, to show the spread), then
# the ratios.
#
# usage: io-bench/jfr-cost.sh [--rounds N] [--runtime S] [--warmup S] [--size SIZE] [--qd N] [--engines "uring aio"]
#                             [--file /dev/shm/pageio-jfr-cost.dat] [--keep] [--out DIR]
# Defaults: 3 rounds of 5 s runs after 3 s of warmup, 1g file, QD32, engines uring and aio: 2 engines x 3 modes x
# 3 rounds = 18 runs of about 9 s each (JVM start included), under 3 minutes. The warmup is 3 s, not the 1 s of the
# earlier measurement: a JVM started with -XX:StartFlightRecording also loads and compiles JFR's own code in its
# first seconds; in a smoke run on a loaded machine the per-second lines (the .err files in --out) of the jfr and
# events runs were still climbing after 1 s, further below their later rate than the off runs. --warmup 1 repeats
# the earlier conditions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bench="$root/pageio-bench"
jfc="$root/io-core/src/main/resources/dev/pageio/core/pageio.jfc"

rounds=3
runtime=5
warmup=3
size=1g
qd=32
engines="uring aio"
file=/dev/shm/pageio-jfr-cost.dat
keep=0
out=""

die() { echo "jfr-cost: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="${2:?}"; shift ;;
        --runtime) runtime="${2:?}"; shift ;;
        --warmup) warmup="${2:?}"; shift ;;
        --size) size="${2:?}"; shift ;;
        --qd) qd="${2:?}"; shift ;;
        --engines) engines="${2:?}"; shift ;;
        --file) file="${2:?}"; shift ;;
        --keep) keep=1 ;;
        --out) out="${2:?}"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
    shift
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "rounds must be a positive integer: rounds=$rounds"
[[ -f "$jfc" ]] || die "settings file missing: $jfc"
command -v python3 >/dev/null 2>&1 || die "needs python3 (to read the bench's JSON)"

if [[ -z "$out" ]]; then
    out="$(mktemp -d "${TMPDIR:-/tmp}/jfr-cost.XXXXXX")"
fi
mkdir -p "$out"

# jfr mode: pageio.jfc with every pageio event disabled (the recording runs, pageio records nothing)
sed -e 's|<setting name="enabled">true</setting>|<setting name="enabled">false</setting>|' "$jfc" >"$out/pageio-off.jfc"
grep -q '<setting name="enabled">true</setting>' "$out/pageio-off.jfc" && die "could not disable the events of $jfc"
cp "$jfc" "$out/pageio.jfc"

# build (if sources changed) once, outside the measured runs and without JDK_JAVA_OPTIONS (Maven runs on a JVM too)
"$bench" --help >/dev/null

cleanup() {
    if [[ "$keep" == 0 ]]; then
        rm -f "$file"
    fi
}
trap cleanup EXIT

run() { # engine mode round
    local engine="$1" mode="$2" r="$3" opts=""
    local dest="$out/$engine.$mode.$r.json"
    case "$mode" in
        off) opts="" ;;
        jfr) opts="-XX:StartFlightRecording:settings=$out/pageio-off.jfc" ;;
        events) opts="-XX:StartFlightRecording:settings=$out/pageio.jfc" ;;
    esac
    if ! JDK_JAVA_OPTIONS="$opts" "$bench" --engine "$engine" --file "$file" --size "$size" --qd "$qd" \
        --runtime "$runtime" --warmup "$warmup" --json >"$dest" 2>"$dest.err"; then
        echo "jfr-cost:   $engine $mode round $r failed: $(grep -v '^NOTE: Picked up' "$dest.err" | tail -n 1)" >&2
        return 0
    fi
    python3 - "$dest" <<'PY' >>"$out/$engine.$mode.lines" || true
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(d["iops"], d["cpu_us_per_io"])
PY
    echo "jfr-cost:   $engine $mode round $r: $(tail -n 1 "$out/$engine.$mode.lines" | awk '{printf "%.0f IOPS, %.2f us CPU/io", $1, $2}')" >&2
}

modes=(off jfr events)
for ((r = 1; r <= rounds; r++)); do
    echo "jfr-cost: round $r of $rounds" >&2
    for engine in $engines; do
        # rotate the order of the modes from round to round (and engine to engine): no mode always runs first
        for ((i = 0; i < 3; i++)); do
            run "$engine" "${modes[$(( (i + r) % 3 ))]}" "$r"
        done
    done
done

python3 - "$out" $engines <<'PY'
import os, statistics, sys
out, engines = sys.argv[1], sys.argv[2:]
def rows(engine, mode):
    path = os.path.join(out, f"{engine}.{mode}.lines")
    if not os.path.exists(path):
        return []
    return [tuple(float(x) for x in line.split()) for line in open(path) if line.strip()]
print(f"{'engine':8} {'mode':7} {'runs':>4} {'median IOPS':>12} {'CPU us/io':>10}  rounds (IOPS)")
medians = {}
for engine in engines:
    for mode in ("off", "jfr", "events"):
        r = rows(engine, mode)
        if not r:
            print(f"{engine:8} {mode:7} {0:>4} {'-':>12} {'-':>10}")
            continue
        iops = statistics.median(x[0] for x in r)
        cpu = statistics.median(x[1] for x in r)
        medians[(engine, mode)] = (iops, cpu)
        print(f"{engine:8} {mode:7} {len(r):>4} {iops:>12,.0f} {cpu:>10.2f}  " + " ".join(f"{x[0]:,.0f}" for x in r))
print()
print(f"{'engine':8} {'ratio':14} {'IOPS':>8} {'CPU/io':>8}")
for engine in engines:
    for a, b in (("events", "off"), ("events", "jfr"), ("jfr", "off")):
        if (engine, a) in medians and (engine, b) in medians:
            (ia, ca), (ib, cb) = medians[(engine, a)], medians[(engine, b)]
            print(f"{engine:8} {a + '/' + b:14} {ia / ib:>8.3f} {ca / cb:>8.3f}")
print()
print("target (issue 15 item 1): events/off IOPS >= 0.970; events/jfr is the part pageio's events add to a recording")
print(f"runs kept in {out}")
PY
