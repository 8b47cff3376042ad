#!/usr/bin/env bash
# channel-profile.sh: where the drop-in channel's CPU goes (issue 12), beside the JDK's channel and raw pageio.
#
# For each engine (default: pageio-afc, jdk-async, uring), one pageio-bench run of 4k --rw at QD32 on --file, with
#   - JFR execution samples every 1 ms: the top self frames and the top frames by inclusion per thread group
#     (agent "pageio-bench-*", handler pool "pageio-channel-handler", the JDK's pool...);
#   - allocation per I/O from JFR's per-thread allocation counters (jdk.ThreadAllocationStatistics, every 1 s):
#     the median one-second delta of all threads together, and per thread group, divided by that second's share of
#     the run's mean IOPS (the bench's own allocation included: the same on every engine);
#   - each thread's context switches from /proc/PID/task/*/status, read at the first measured second and 2 s later,
#     divided by 2 s of the run's mean IOPS (voluntary: the thread slept, e.g. a pool thread parked until a hand-off
#     woke it; involuntary: preempted).
# The counts and shares do not depend on timing much and are indicative even on a busy machine; the IOPS are not.
# With --spin-ab, pageio-afc runs twice, with the handler lane's spin off (-Ddev.pageio.channel.handlerSpinNs=0)
# and at its default; with --hold-ab, also with the lane's holding off (-Ddev.pageio.channel.handlerHoldNs=0: each
# operation that completes while a handler runs goes to another executor thread, as before 2026-12-03).
#
# usage: io-bench/channel-profile.sh [--file PATH] [--rw randread|randwrite] [--engines "E1 E2"] [--spin-ab] [--hold-ab]
#        [--runtime SECONDS] [--out DIR] [-- extra pageio-bench arguments]
# needs: java 17+ with jfr on the PATH, python3; builds the bench jar through ./pageio-bench on first use.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file=/dev/shm/pageio-channel-profile.dat
rw=randread
engines="pageio-afc jdk-async uring"
spin_ab=false
hold_ab=false
runtime=8
extra=()
out="${TMPDIR:-/tmp}/channel-profile-$(date +%H%M%S)"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --file) file="$2"; shift 2 ;;
        --rw) rw="$2"; shift 2 ;;
        --engines) engines="$2"; shift 2 ;;
        --spin-ab) spin_ab=true; shift ;;
        --hold-ab) hold_ab=true; shift ;;
        --out) out="$2"; shift 2 ;;
        --runtime) runtime="$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "channel-profile.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
"$root/pageio-bench" --help >/dev/null # builds the jar when sources changed
jar="$root/io-bench/target/pageio-bench.jar"
jfc="$out/profile.jfc"
sed -e '/name="jdk.ExecutionSample"/,/<\/event>/s|<setting name="period"\([^>]*\)>[^<]*<|<setting name="period"\1>1 ms<|' \
    -e '/name="jdk.ThreadAllocationStatistics"/,/<\/event>/s|<setting name="period"\([^>]*\)>[^<]*<|<setting name="period"\1>1 s<|' \
    "$(dirname "$(readlink -f "$(command -v java)")")/../lib/jfr/profile.jfc" > "$jfc"

snapshot() { # pid -> lines "thread-name|voluntary|involuntary"
    local t
    for t in /proc/"$1"/task/*; do
        printf '%s|%s|%s\n' "$(cat "$t/comm" 2>/dev/null)" \
            "$(awk '/^voluntary_ctxt_switches/{print $2}' "$t/status" 2>/dev/null)" \
            "$(awk '/^nonvoluntary_ctxt_switches/{print $2}' "$t/status" 2>/dev/null)"
    done
}

run() { # label, extra java options...
    local label="$1"; shift
    local engine="${label%%@*}"
    java "$@" -XX:StartFlightRecording=filename="$out/$label.jfr",settings="$jfc" -cp "$jar" dev.pageio.bench.Main \
        --engine "$engine" --rw "$rw" --qd 32 --file "$file" --size 1g --runtime "$runtime" --warmup 1 ${extra[@]+"${extra[@]}"} > "$out/$label.txt" 2>&1 &
    local pid=$!
    # from the first measured second's line on (the JVM and JFR start slowly on a busy machine)
    while kill -0 "$pid" 2>/dev/null && ! grep -q '] run ' "$out/$label.txt"; do sleep 0.1; done
    snapshot "$pid" > "$out/$label.ctx-a"
    sleep 2; snapshot "$pid" > "$out/$label.ctx-b"
    wait "$pid"
    echo "== $label ($rw, $file)"
    grep -E '^  (iops=|cpu:|ring:)' "$out/$label.txt" || true
    python3 - "$out" "$label" <<'PY'
import collections, json, re, subprocess, sys
out, label = sys.argv[1], sys.argv[2]
text = open(f'{out}/{label}.txt').read()
m = re.search(r'^  iops=([\d,]+)', text, re.M)
ios = float(m.group(1).replace(',', '')) * 2 if m else 0
def load(path):
    d = collections.defaultdict(lambda: [0, 0])
    for line in open(path):
        name, v, i = line.rstrip('\n').split('|')
        if v == '' or i == '':
            continue
        g = name.rstrip('0123456789-')
        d[g][0] += int(v); d[g][1] += int(i)
    return d
a, b = load(f'{out}/{label}.ctx-a'), load(f'{out}/{label}.ctx-b')
if not b:
    print('  ctx n/a: the run ended before the second reading (a very busy machine; see the per-second lines)')
elif ios:
    for g in sorted(b):
        v = b[g][0] - a.get(g, [0, 0])[0]; i = b[g][1] - a.get(g, [0, 0])[1]
        if v + i > ios / 1000:
            print(f'  ctx {g:28s} voluntary/io={v / ios:.3f} involuntary/io={i / ios:.3f}')
js = subprocess.run(['jfr', 'print', '--json', '--events', 'jdk.ExecutionSample', '--stack-depth', '64',
                     f'{out}/{label}.jfr'], capture_output=True, text=True).stdout
events = json.loads(js)['recording']['events'] if js else []
per_thread = collections.Counter(); self_ = collections.defaultdict(collections.Counter)
incl = collections.defaultdict(collections.Counter)
for e in events:
    v = e['values']
    name = (v.get('sampledThread') or {}).get('javaName') or '?'
    if name == 'main' or name.startswith('JFR'):
        continue
    g = name.rstrip('0123456789-')
    frames = [f"{f['method']['type']['name'].split('/')[-1]}.{f['method']['name']}"
              for f in ((v.get('stackTrace') or {}).get('frames') or [])]
    per_thread[g] += 1
    if frames:
        self_[g][frames[0]] += 1
    for f in set(frames):
        incl[g][f] += 1
js = subprocess.run(['jfr', 'print', '--json', '--events', 'jdk.ThreadAllocationStatistics', f'{out}/{label}.jfr'],
                    capture_output=True, text=True).stdout
alloc = json.loads(js)['recording']['events'] if js else []
series = collections.defaultdict(list)
for e in alloc:
    v = e['values']
    t = (v.get('thread') or {}).get('javaName') or '?'
    if t.startswith('JFR'):
        continue  # the recorder's own threads
    series[t].append((v['startTime'], v['allocated']))
buckets = collections.defaultdict(lambda: collections.Counter())
for t, pts in series.items():
    pts.sort()
    g = t.rstrip('0123456789-')
    for (t0, a0), (t1, a1) in zip(pts, pts[1:]):
        buckets[t1[:19]][g] += a1 - a0  # the second the reading was taken
if len(buckets) >= 3 and ios:
    seconds = sorted(buckets)[1:-1]  # whole seconds: not the first or the last reading
    totals = sorted(sum(buckets[s].values()) for s in seconds)
    median = totals[len(totals) // 2]
    per_io = median / (ios / 2)
    groups = collections.Counter()
    for s in seconds:
        groups.update(buckets[s])
    print(f'  alloc {per_io:.1f} B/io (median second of {len(seconds)}; ' + ', '.join(
        f'{g} {b / len(seconds) / (ios / 2):.1f}' for g, b in groups.most_common(4) if b > 0) + ')')
for g, n in per_thread.most_common(4):
    print(f'  jfr {g}: {n} samples')
    print('    self: ' + ', '.join(f'{f} {100 * k / n:.0f}%' for f, k in self_[g].most_common(8)))
    print('    incl: ' + ', '.join(f'{f} {100 * k / n:.0f}%' for f, k in incl[g].most_common(40)
                                  if not f.startswith(('Thread.', 'ThreadPoolExecutor$Worker', 'AgentRunner.')))[:900])
PY
}

for e in $engines; do
    if [[ "$e" == pageio-afc* ]] && $spin_ab; then
        run "$e@spin0" -Ddev.pageio.channel.handlerSpinNs=0
    fi
    if [[ "$e" == pageio-afc* ]] && $hold_ab; then
        run "$e@hold0" -Ddev.pageio.channel.handlerHoldNs=0
    fi
    run "$e"
done
echo "recordings and raw output: $out"
