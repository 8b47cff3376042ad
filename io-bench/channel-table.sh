#!/usr/bin/env bash
# channel-table.sh: the drop-in channel beside the JDK's (issue 12), as README's channel table measures it.
#
# For each round, file and --rw, runs the engines one after the other (alternated, so that a slow minute hits all of
# them): `pageio-bench --engine E --rw R --qd 32 --file F --size 1g --runtime T --warmup 1 --json`. Then prints one
# line per (file, rw, engine) with every round's IOPS and process CPU per I/O, and the ratios against the JDK's
# channel with the same buffers (pageio-afc / jdk-async, pageio-afc-heap / jdk-async-heap): IOPS x and CPU-per-I/O x,
# per round and the mean of the rounds. Issue 12's target on tmpfs QD32: direct IOPS x >= 2 and CPU x <= 0.5, heap
# IOPS x >= 1.5. A run that fails (the JDK's heap buffers on an O_DIRECT ext4 file: EINVAL) prints its error.
#
# usage: io-bench/channel-table.sh [--rounds N] [--runtime SECONDS] [--files "F1 F2"] [--rws "randread randwrite"]
#        [--engines "jdk-async pageio-afc jdk-async-heap pageio-afc-heap"] [--out DIR] [-- extra pageio-bench args]
# Duration: rounds x files x rws x engines x (runtime + ~2.5 s); the defaults (2 x 1 x 2 x 4 x 6.5 s) ~1.8 min.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=2
runtime=4
files=/dev/shm/pageio-channel-table.dat
rws="randread randwrite"
engines="jdk-async pageio-afc jdk-async-heap pageio-afc-heap"
out="${TMPDIR:-/tmp}/channel-table-$(date +%H%M%S)"
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --runtime) runtime="$2"; shift 2 ;;
        --files) files="$2"; shift 2 ;;
        --rws) rws="$2"; shift 2 ;;
        --engines) engines="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "channel-table.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
"$root/pageio-bench" --help >/dev/null # builds the jar when sources changed

for round in $(seq 1 "$rounds"); do
    for f in $files; do
        for rw in $rws; do
            for e in $engines; do
                key="$(basename "$f")@$rw@$e@$round"
                "$root/pageio-bench" --engine "$e" --rw "$rw" --qd 32 --file "$f" --size 1g --runtime "$runtime" \
                    --warmup 1 --json ${extra[@]+"${extra[@]}"} > "$out/$key.json" 2> "$out/$key.err" || true
                echo "round $round $f $rw $e: $(grep -o '"iops":[0-9.]*' "$out/$key.json" || echo failed)" >&2
            done
        done
    done
done

python3 - "$out" "$rounds" "$files" "$rws" "$engines" <<'PY'
import json, os, sys
out, rounds, files, rws, engines = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split()
def load(f, rw, e, r):
    p = f'{out}/{os.path.basename(f)}@{rw}@{e}@{r}.json'
    try:
        for line in open(p):
            line = line.strip()
            if line.startswith('{'):
                j = json.loads(line)
                return j['iops'], j['cpu_us_per_io']
    except (OSError, ValueError, KeyError):
        pass
    err = open(p[:-5] + '.err').read().strip().splitlines()
    return (err[-1][:60] if err else 'failed')
base = {'pageio-afc': 'jdk-async', 'pageio-afc-heap': 'jdk-async-heap'}
print('| file | rw | engine | IOPS / CPU us per I/O, each round | IOPS x (CPU x) per round, vs the JDK | mean x (CPU x) |')
print('| --- | --- | --- | --- | --- | --- |')
for f in files:
    for rw in rws:
        for e in engines:
            runs = [load(f, rw, e, r) for r in range(1, rounds + 1)]
            cells = ', '.join(f'{v[0] / 1000:.0f}K / {v[1]:.1f}' if isinstance(v, tuple) else v for v in runs)
            ratios, mean = '', ''
            if e in base and base[e] in engines:
                b = [load(f, rw, base[e], r) for r in range(1, rounds + 1)]
                pairs = [(x[0] / y[0], x[1] / y[1]) for x, y in zip(runs, b)
                         if isinstance(x, tuple) and isinstance(y, tuple) and y[0] > 0 and y[1] > 0]
                ratios = ', '.join(f'{i:.2f} ({c:.2f})' for i, c in pairs)
                if pairs:
                    mean = f'{sum(p[0] for p in pairs) / len(pairs):.2f} ({sum(p[1] for p in pairs) / len(pairs):.2f})'
            print(f'| {os.path.basename(f)} | {rw} | {e} | {cells} | {ratios} | {mean} |')
print(f'raw output: {out}')
PY
