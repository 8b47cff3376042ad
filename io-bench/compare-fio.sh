#!/usr/bin/env bash
# compare-fio.sh: fio and pageio-bench side by side, on the same file, with the same parameters, alternating
# runs (fio, pageio, fio, pageio...), then the medians and the pageio/fio ratio per workload and engine pair.
#
# Workloads (issue 7): 4 KiB randread QD1 and QD32 on tmpfs (/dev/shm) and on disk (a file in the current
# directory), 4 KiB randwrite QD32 on disk, 16 KiB 70/30 randrw with a barrier (fdatasync) every 32 writes.
# Pairs: fio io_uring vs pageio uring, fio libaio vs pageio aio ("fio-engine:pageio-engine", --pairs to change;
# psync:jdk-channel compares synchronous pread/pwrite with QD threads on both sides).
#
# usage: io-bench/compare-fio.sh [--quick] [--rounds N] [--runtime S] [--warmup S] [--size SIZE]
#                                [--pairs "io_uring:uring libaio:aio"] [--workloads "tmpfs-rr-qd1 ..."]
#                                [--keep] [--out DIR]
# --quick: 1 s runs, no warmup, 64m files (a smoke test; the figures mean little).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bench="$root/pageio-bench"

rounds=3
runtime=10
warmup=2
size=1g
pairs="io_uring:uring libaio:aio"
workloads="tmpfs-rr-qd1 tmpfs-rr-qd32 disk-rr-qd1 disk-rr-qd32 disk-rw-qd32 disk-mix-barrier32"
keep=0
out=""

die() { echo "compare-fio: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) runtime=1; warmup=0; size=64m ;;
        --rounds) rounds="${2:?}"; shift ;;
        --runtime) runtime="${2:?}"; shift ;;
        --warmup) warmup="${2:?}"; shift ;;
        --size) size="${2:?}"; shift ;;
        --pairs) pairs="${2:?}"; shift ;;
        --workloads) workloads="${2:?}"; shift ;;
        --keep) keep=1 ;;
        --out) out="${2:?}"; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown flag: $1 (see --help)" ;;
    esac
    shift
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "bad --rounds=$rounds"
[[ "$runtime" =~ ^[0-9]+$ && "$runtime" -ge 1 ]] || die "bad --runtime=$runtime (whole seconds >= 1)"
[[ "$warmup" =~ ^[0-9]+$ ]] || die "bad --warmup=$warmup (whole seconds)"

# fio, installed where missing (Debian/Ubuntu, as root)
if ! command -v fio >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "compare-fio: installing fio" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fio >&2
    else
        die "fio is missing: install it (e.g. sudo apt-get install -y fio)"
    fi
fi
if command -v python3 >/dev/null 2>&1; then
    parser=python3
elif command -v jq >/dev/null 2>&1; then
    parser=jq
else
    die "needs python3 or jq to read the JSON reports"
fi

tmpfs_file="/dev/shm/pageio-compare.dat"
disk_file="$PWD/pageio-compare.dat"
if [[ -z "$out" ]]; then
    out="$(mktemp -d "${TMPDIR:-/tmp}/pageio-compare.XXXXXX")"
fi
mkdir -p "$out"
cleanup() {
    if [[ "$keep" -eq 0 ]]; then
        rm -f "$tmpfs_file" "$disk_file"
    fi
}
trap cleanup EXIT

# workload name -> "file rw bs qd mix barrier"
spec() {
    case "$1" in
        tmpfs-rr-qd1) echo "$tmpfs_file randread 4k 1 - 0" ;;
        tmpfs-rr-qd32) echo "$tmpfs_file randread 4k 32 - 0" ;;
        disk-rr-qd1) echo "$disk_file randread 4k 1 - 0" ;;
        disk-rr-qd32) echo "$disk_file randread 4k 32 - 0" ;;
        disk-rw-qd32) echo "$disk_file randwrite 4k 32 - 0" ;;
        disk-mix-barrier32) echo "$disk_file randrw 16k 32 70 32" ;;
        *) die "unknown workload: $1" ;;
    esac
}

# Both tools read the same bytes: pageio-bench fills each file once (pseudo-random data, never holes).
"$bench" --help >/dev/null || die "pageio-bench does not build or run"
for f in "$tmpfs_file" "$disk_file"; do
    "$bench" --engine jdk-channel --file "$f" --size "$size" --runtime 100ms --warmup 0 --buffered >/dev/null 2>"$out/fill.log" ||
        { cat "$out/fill.log" >&2; die "cannot fill $f"; }
done

run_fio() { # engine file rw bs qd mix barrier -> json file
    local engine="$1" file="$2" rw="$3" bs="$4" qd="$5" mix="$6" barrier="$7" dest="$8"
    local jobs=1 depth="$qd"
    local args=(--name=pageio-compare --filename="$file" --size="$size" --rw="$rw" --bs="$bs"
        --ioengine="$engine" --direct=1 --time_based --runtime="$runtime" --ramp_time="$warmup"
        --norandommap --randrepeat=0 --lat_percentiles=1 --group_reporting --output-format=json)
    if [[ "$engine" == psync || "$engine" == sync || "$engine" == pvsync ]]; then
        jobs="$qd"; depth=1
    fi
    args+=(--iodepth="$depth" --numjobs="$jobs")
    [[ "$mix" != - ]] && args+=(--rwmixread="$mix")
    [[ "$barrier" != 0 ]] && args+=(--fdatasync="$barrier")
    fio "${args[@]}" >"$dest" 2>"$dest.err"
}

run_pageio() { # engine file rw bs qd mix barrier -> json file
    local engine="$1" file="$2" rw="$3" bs="$4" qd="$5" mix="$6" barrier="$7" dest="$8"
    local args=(--engine "$engine" --file "$file" --size "$size" --rw "$rw" --bs "$bs" --direct
        --runtime "$runtime" --warmup "$warmup" --json)
    if [[ "$engine" == jdk-channel ]]; then
        args+=(--jobs "$qd" --qd 1)
    else
        args+=(--qd "$qd")
    fi
    [[ "$mix" != - ]] && args+=(--mix "$mix")
    [[ "$barrier" != 0 ]] && args+=(--barrier-every "$barrier")
    "$bench" "${args[@]}" >"$dest" 2>"$dest.err"
}

# One line "iops p50_us p99_us cpu_us_per_io" from a report, or nothing when it is not one.
extract() { # kind file
    local kind="$1" file="$2"
    if [[ "$parser" == python3 ]]; then
        python3 - "$kind" "$file" <<'PY' 2>/dev/null || true
import json, sys
kind, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    text = f.read()
if kind == "fio":
    j = json.loads(text[text.index("{"):])["jobs"][0]
    r, w = j["read"], j["write"]
    side = r if r["total_ios"] > 0 else w
    ios = r["total_ios"] + w["total_ios"]
    pct = side["lat_ns"]["percentile"]
    cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 * j["job_runtime"] * 1000.0 / ios if ios else 0
    print(r["iops"] + w["iops"], pct["50.000000"] / 1000.0, pct["99.000000"] / 1000.0, cpu)
else:
    d = json.loads(text.strip().splitlines()[-1])
    print(d["iops"], d["lat_us"]["p50"], d["lat_us"]["p99"], d["cpu_us_per_io"])
PY
    elif [[ "$kind" == fio ]]; then
        sed -n '/^{/,$p' "$file" | jq -r '.jobs[0] | . as $j
            | (if .read.total_ios > 0 then .read else .write end).lat_ns.percentile as $p
            | (.read.total_ios + .write.total_ios) as $n
            | "\(.read.iops + .write.iops) \($p["50.000000"] / 1000) \($p["99.000000"] / 1000) \(if $n > 0 then ($j.usr_cpu + $j.sys_cpu) / 100 * $j.job_runtime * 1000 / $n else 0 end)"' 2>/dev/null || true
    else
        tail -n 1 "$file" | jq -r '"\(.iops) \(.lat_us.p50) \(.lat_us.p99) \(.cpu_us_per_io)"' 2>/dev/null || true
    fi
}

median() { # numbers on stdin -> median
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "compare-fio: $rounds rounds, ${runtime}s runs (+${warmup}s warmup), size $size, reports in $out" >&2
for wl in $workloads; do
    read -r file rw bs qd mix barrier <<<"$(spec "$wl")"
    for pair in $pairs; do
        fe="${pair%%:*}"; pe="${pair##*:}"
        for ((r = 1; r <= rounds; r++)); do
            echo "compare-fio: $wl $fe vs $pe round $r/$rounds" >&2
            run_fio "$fe" "$file" "$rw" "$bs" "$qd" "$mix" "$barrier" "$out/$wl.$pair.fio.$r.json" ||
                echo "compare-fio:   fio $fe failed: $(tail -n 1 "$out/$wl.$pair.fio.$r.json.err")" >&2
            run_pageio "$pe" "$file" "$rw" "$bs" "$qd" "$mix" "$barrier" "$out/$wl.$pair.pageio.$r.json" ||
                echo "compare-fio:   pageio $pe failed: $(grep -m 1 pageio-bench: "$out/$wl.$pair.pageio.$r.json.err" || tail -n 1 "$out/$wl.$pair.pageio.$r.json.err")" >&2
        done
    done
done

printf '\nmedians of %d rounds, %ss each (p50/p99 = total latency, submit to completion; cpu = process CPU per I/O)\n' "$rounds" "$runtime"
printf '%-19s %-22s %11s %11s %6s %9s %9s %8s %9s %9s %6s\n' workload "fio:pageio" "fio IOPS" "pageio IOPS" ratio \
    "fio p50" "pg p50" "p50 diff" "fio cpu" "pg cpu" ratio
for wl in $workloads; do
    for pair in $pairs; do
        for tool in fio pageio; do
            : >"$out/$wl.$pair.$tool.lines"
            for ((r = 1; r <= rounds; r++)); do
                extract "$tool" "$out/$wl.$pair.$tool.$r.json" >>"$out/$wl.$pair.$tool.lines"
            done
        done
        col() { awk -v c="$2" '{ print $c }' "$1" | median; }
        fi_=$(col "$out/$wl.$pair.fio.lines" 1); pi=$(col "$out/$wl.$pair.pageio.lines" 1)
        f50=$(col "$out/$wl.$pair.fio.lines" 2); p50=$(col "$out/$wl.$pair.pageio.lines" 2)
        fc=$(col "$out/$wl.$pair.fio.lines" 4); pc=$(col "$out/$wl.$pair.pageio.lines" 4)
        awk -v wl="$wl" -v pair="$pair" -v fi="$fi_" -v pi="$pi" -v f50="$f50" -v p50="$p50" -v fc="$fc" -v pc="$pc" '
            function ok(x) { return x != "nan" && x != "" }
            function num(x, fmt) { return ok(x) ? sprintf(fmt, x) : "n/a" }
            function ratio(a, b) { return ok(a) && ok(b) && b > 0 ? sprintf("%.2f", a / b) : "n/a" }
            BEGIN {
                printf "%-19s %-22s %11s %11s %6s %9s %9s %8s %9s %9s %6s\n", wl, pair,
                    num(fi, "%.0f"), num(pi, "%.0f"), ratio(pi, fi), num(f50, "%.1f"), num(p50, "%.1f"),
                    ok(f50) && ok(p50) ? sprintf("%+.1f", p50 - f50) : "n/a",
                    num(fc, "%.2f"), num(pc, "%.2f"), ratio(pc, fc)
            }'
    done
done
