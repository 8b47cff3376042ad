#!/usr/bin/env bash
# compare-fio.sh: fio and pageio-bench side by side, on the same file, with the same parameters, alternating
# runs (fio, pageio, fio, pageio...), then the medians and the pageio/fio ratio per workload and engine pair.
#
# Workloads (issue 7): 4 KiB randread QD1 and QD32 on tmpfs (/dev/shm) and on disk (a file in the current
# directory), 4 KiB randwrite QD32 on disk, 16 KiB 70/30 randrw with a barrier (fdatasync) every 32 writes.
# fio's best io_uring configuration (issue 16 item 4), io_uring pair only: tmpfs-rr-qd32-reg (fio --fixedbufs
# --registerfiles, pageio --fixed-buffers --fixed-files) and tmpfs-rr-qd32-regsq (the same plus fio --sqthread_poll,
# pageio --sqpoll).
# Pairs: fio io_uring vs pageio uring, fio libaio vs pageio aio ("fio-engine:pageio-engine", --pairs to change;
# psync:jdk-channel compares synchronous pread/pwrite with QD threads on both sides).
#
# Group commit (issue 16): at each committer count (--committers, default "1 8 32"), each committer writes 4 KiB
# at a random offset and waits for its barrier, in a loop: fio psync --numjobs=N --fdatasync=1, pageio-bench
# --engine jdk-channel --group-commit --jobs N (FileChannel.force per commit), and pageio --group-commit --jobs N
# on each --gc-engines engine at each --barrier-syncs K (syncs in flight per file, BARRIER.md rule 4). Reported:
# commits/s, p50/p99 commit latency, commits per sync, CPU per commit. The runs of a round are alternated and the
# order rotates from round to round.
#
# pageio's own rows also show its system calls per I/O and mean requests per submitting system call (sc/io,
# batch: counted by the ring's backend over the measured window; fio does not report them, see perf stat).
#
# CPU: both sides are sampled the same way, over the steady window only: utime+stime (/proc/PID/stat) of the tool's
# whole process tree (fio and its forked job processes; the JVM with all its threads), read once measuring began
# plus a 1 s settle and again 1 s before it ends, so startup, warmup and JIT of the warmup are excluded. Needs
# --runtime >= 3; shorter runs fall back to the tools' own figures (marked with *).
#
# usage: io-bench/compare-fio.sh [--quick] [--rounds N] [--runtime S] [--warmup S] [--size SIZE]
#                                [--pairs "io_uring:uring libaio:aio"] [--workloads "tmpfs-rr-qd1 ..."]
#                                [--committers "1 8 32"] [--barrier-syncs "1 2 4"] [--gc-engines "uring"]
#                                [--tmpfs-dir /dev/shm] [--keep] [--out DIR]
# --quick: 1 s runs, no warmup, 64m files (a smoke test; the figures mean little).
# --workloads "" or --committers "" skips that part.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bench="$root/pageio-bench"

rounds=3
runtime=10
warmup=2
size=1g
pairs="io_uring:uring libaio:aio"
workloads="tmpfs-rr-qd1 tmpfs-rr-qd32 tmpfs-rr-qd32-reg tmpfs-rr-qd32-regsq disk-rr-qd1 disk-rr-qd32 disk-rw-qd32 disk-mix-barrier32"
committers="1 8 32"
barrier_syncs="1 2 4"
gc_engines="uring"
tmpfs_dir=/dev/shm
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
        --workloads) workloads="${2?}"; shift ;;
        --tmpfs-dir) tmpfs_dir="${2:?}"; shift ;;
        --keep) keep=1 ;;
        --out) out="${2:?}"; shift ;;
        --committers) committers="${2?}"; shift ;;
        --barrier-syncs) barrier_syncs="${2:?}"; shift ;;
        --gc-engines) gc_engines="${2:?}"; shift ;;
        -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown flag: $1 (see --help)" ;;
    esac
    shift
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "bad --rounds=$rounds"
[[ "$runtime" =~ ^[0-9]+$ && "$runtime" -ge 1 ]] || die "bad --runtime=$runtime (whole seconds >= 1)"
[[ "$warmup" =~ ^[0-9]+$ ]] || die "bad --warmup=$warmup (whole seconds)"
for n in $committers; do [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "bad --committers value: $n"; done
for k in $barrier_syncs; do [[ "$k" =~ ^[1-9][0-9]*$ ]] || die "bad --barrier-syncs value: $k"; done

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

tmpfs_file="$tmpfs_dir/pageio-compare.dat"
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

clk_tck="$(getconf CLK_TCK)"

# utime+stime, in clock ticks, of a process and all its descendants (see man 5 proc: fields 4 ppid, 14 utime,
# 15 stime; the command name, field 2, may hold spaces, so the fields are counted after its closing parenthesis).
tree_ticks() { # pid
    local f line
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        f="${f#/proc/}"
        echo "${f%/stat} ${line##*) }"
    done | awk -v root="$1" '
        { parent[$1] = $3; ticks[$1] = $13 + $14 }
        END {
            total = 0
            for (p in ticks) {
                q = p
                for (depth = 0; depth < 64 && q != "" && q != 0; depth++) {
                    if (q == root) { total += ticks[p]; break }
                    q = parent[q]
                }
            }
            print total
        }'
}

# Writes "ticks seconds" to DEST.cpu: the CPU of the process tree of PID over its steady window, from 1 s after
# measuring began to 1 s before it ends. fio starts measuring after --ramp_time (its own startup, with the file laid
# out already, is well under the 1 s settle); pageio-bench prints "[engine] run ..." once a second once it measures.
steady_cpu() { # pid kind dest
    local pid="$1" kind="$2" dest="$3" t0 c0 t1 c1
    rm -f "$dest.cpu"
    ((runtime >= 3)) || return 0
    if [[ "$kind" == fio ]]; then
        sleep "$((warmup + 1))"
    else
        until grep -q '\] run ' "$dest.err" 2>/dev/null; do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.05
        done
    fi
    # a scan of /proc takes a while on a busy machine: each sample's time is the middle of its scan
    t0="$(date +%s.%N)"; c0="$(tree_ticks "$pid")"; t0="$t0 $(date +%s.%N)"
    sleep "$((runtime - 2))"
    t1="$(date +%s.%N)"; c1="$(tree_ticks "$pid")"; t1="$t1 $(date +%s.%N)"
    kill -0 "$pid" 2>/dev/null || return 0
    echo "$((c1 - c0)) $(awk -v a="$t0" -v b="$t1" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[1] + y[2]) / 2 - (x[1] + x[2]) / 2 }')" >"$dest.cpu"
}

# Runs a command in the background with stdout to DEST and stderr to DEST.err, samples its steady CPU, waits.
run_sampled() { # kind dest command...
    local kind="$1" dest="$2" pid rc=0
    shift 2
    "$@" >"$dest" 2>"$dest.err" &
    pid=$!
    steady_cpu "$pid" "$kind" "$dest"
    wait "$pid" || rc=$?
    return "$rc"
}

# workload name -> "file rw bs qd mix barrier reg" (reg: - none, reg registered buffers and files, regsq also SQPOLL)
spec() {
    case "$1" in
        tmpfs-rr-qd1) echo "$tmpfs_file randread 4k 1 - 0 -" ;;
        tmpfs-rr-qd32) echo "$tmpfs_file randread 4k 32 - 0 -" ;;
        tmpfs-rr-qd32-reg) echo "$tmpfs_file randread 4k 32 - 0 reg" ;;
        tmpfs-rr-qd32-regsq) echo "$tmpfs_file randread 4k 32 - 0 regsq" ;;
        disk-rr-qd1) echo "$disk_file randread 4k 1 - 0 -" ;;
        disk-rr-qd32) echo "$disk_file randread 4k 32 - 0 -" ;;
        disk-rw-qd32) echo "$disk_file randwrite 4k 32 - 0 -" ;;
        disk-mix-barrier32) echo "$disk_file randrw 16k 32 70 32 -" ;;
        *) die "unknown workload: $1" ;;
    esac
}

# Both tools read the same bytes: pageio-bench fills each file once (pseudo-random data, never holes).
"$bench" --help >/dev/null || die "pageio-bench does not build or run"
for f in "$tmpfs_file" "$disk_file"; do
    "$bench" --engine jdk-channel --file "$f" --size "$size" --runtime 100ms --warmup 0 --buffered >/dev/null 2>"$out/fill.log" ||
        { cat "$out/fill.log" >&2; die "cannot fill $f"; }
done

run_fio() { # engine file rw bs qd mix barrier reg -> json file
    local engine="$1" file="$2" rw="$3" bs="$4" qd="$5" mix="$6" barrier="$7" reg="$8" dest="$9"
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
    [[ "$reg" == reg || "$reg" == regsq ]] && args+=(--fixedbufs --registerfiles)
    [[ "$reg" == regsq ]] && args+=(--sqthread_poll=1)
    # CPU: the whole process tree (fio, its forked jobs and their io_uring io-wq workers) over the steady window
    run_sampled fio "$dest" fio "${args[@]}"
}

run_pageio() { # engine file rw bs qd mix barrier reg -> json file
    local engine="$1" file="$2" rw="$3" bs="$4" qd="$5" mix="$6" barrier="$7" reg="$8" dest="$9"
    local args=(--engine "$engine" --file "$file" --size "$size" --rw "$rw" --bs "$bs" --direct
        --runtime "$runtime" --warmup "$warmup" --json)
    if [[ "$engine" == jdk-channel ]]; then
        args+=(--jobs "$qd" --qd 1)
    else
        args+=(--qd "$qd")
    fi
    [[ "$mix" != - ]] && args+=(--mix "$mix")
    [[ "$barrier" != 0 ]] && args+=(--barrier-every "$barrier")
    [[ "$reg" == reg || "$reg" == regsq ]] && args+=(--fixed-buffers --fixed-files)
    [[ "$reg" == regsq ]] && args+=(--sqpoll)
    run_sampled pageio "$dest" "$bench" "${args[@]}"
}

# One line "iops p50_us p99_us cpu_us_per_io" from a report, or nothing when it is not one.
extract() { # kind file
    local kind="$1" file="$2"
    if [[ "$parser" == python3 ]]; then
        python3 - "$kind" "$file" "$runtime" "$warmup" "$clk_tck" <<'PY' 2>/dev/null || true
import json, os, sys
kind, path, runtime, warmup, clk_tck = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
with open(path) as f:
    text = f.read()
if kind == "fio":
    j = json.loads(text[text.index("{"):])["jobs"][0]
    r, w = j["read"], j["write"]
    side = r if r["total_ios"] > 0 else w
    ios = r["total_ios"] + w["total_ios"]
    iops = r["iops"] + w["iops"]
    pct = side["lat_ns"]["percentile"]
    # fallback: fio's own usr+sys of its job processes (not the parent), over its measured runtime
    cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 * j["job_runtime"] * 1000.0 / ios if ios else 0
    p50, p99 = pct["50.000000"] / 1000.0, pct["99.000000"] / 1000.0
    sc, batch = "nan", "nan"
else:
    d = json.loads(text.strip().splitlines()[-1])
    iops = d["iops"]
    cpu = d["cpu_us_per_io"]
    p50, p99 = d["lat_us"]["p50"], d["lat_us"]["p99"]
    sc = d.get("syscalls_per_io", "nan")
    batch = d.get("submit_batch_mean") or "nan"
steady = "*"
if os.path.exists(path + ".cpu") and iops > 0:
    # the process tree's CPU rate over the steady window, per I/O at the run's rate
    ticks, seconds = (float(x) for x in open(path + ".cpu").read().split()[:2])
    if seconds > 0:
        cpu = ticks / clk_tck / seconds * 1e6 / iops
        steady = ""
print(iops, p50, p99, "%s%s" % (cpu, steady), sc, batch)
PY
    elif [[ "$kind" == fio ]]; then
        sed -n '/^{/,$p' "$file" | jq -r '.jobs[0] | . as $j
            | (if .read.total_ios > 0 then .read else .write end).lat_ns.percentile as $p
            | (.read.total_ios + .write.total_ios) as $n
            | "\(.read.iops + .write.iops) \($p["50.000000"] / 1000) \($p["99.000000"] / 1000) \(if $n > 0 then ($j.usr_cpu + $j.sys_cpu) / 100 * $j.job_runtime * 1000 / $n else 0 end)* nan nan"' 2>/dev/null || true
    else
        tail -n 1 "$file" | jq -r '"\(.iops) \(.lat_us.p50) \(.lat_us.p99) \(.cpu_us_per_io)* \(.syscalls_per_io // "nan") \(.submit_batch_mean // "nan")"' 2>/dev/null || true
    fi
}

median() { # numbers on stdin -> median
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "compare-fio: $rounds rounds, ${runtime}s runs (+${warmup}s warmup), size $size, reports in $out" >&2
# the io_uring pair only, for the registered (and SQPOLL) workloads
pair_runs() { # workload pair -> true when the pair runs that workload
    local reg
    reg="$(spec "$1" | awk '{ print $7 }')"
    [[ "$reg" == - || "${2%%:*}" == io_uring ]]
}

for wl in $workloads; do
    read -r file rw bs qd mix barrier reg <<<"$(spec "$wl")"
    for pair in $pairs; do
        fe="${pair%%:*}"; pe="${pair##*:}"
        pair_runs "$wl" "$pair" || continue
        for ((r = 1; r <= rounds; r++)); do
            echo "compare-fio: $wl $fe vs $pe round $r/$rounds" >&2
            run_fio "$fe" "$file" "$rw" "$bs" "$qd" "$mix" "$barrier" "$reg" "$out/$wl.$pair.fio.$r.json" ||
                echo "compare-fio:   fio $fe failed: $(tail -n 1 "$out/$wl.$pair.fio.$r.json.err")" >&2
            run_pageio "$pe" "$file" "$rw" "$bs" "$qd" "$mix" "$barrier" "$reg" "$out/$wl.$pair.pageio.$r.json" ||
                echo "compare-fio:   pageio $pe failed: $(grep -m 1 pageio-bench: "$out/$wl.$pair.pageio.$r.json.err" || tail -n 1 "$out/$wl.$pair.pageio.$r.json.err")" >&2
        done
    done
done

# the median of column C of a file of report lines (a trailing * on a CPU figure is dropped), "nan" if none
col() { awk -v c="$2" '{ v = $c; sub(/\*$/, "", v); print v }' "$1" | median; }
# "*" when a CPU figure of the file is the tool's own (no steady window)
star() { awk -v c="$2" '$c ~ /\*$/ { s = "*" } END { print s }' "$1"; }

if [[ -n "${workloads// /}" ]]; then
printf '\nmedians of %d rounds, %ss each (p50/p99 = total latency, submit to completion; cpu = process-tree CPU per I/O over the steady window, io-wq workers included on both sides; * = no steady window, the tool'"'"'s own figure)\n' "$rounds" "$runtime"
printf '%-19s %-22s %11s %11s %6s %9s %9s %8s %9s %9s %6s %6s %6s\n' workload "fio:pageio" "fio IOPS" "pageio IOPS" ratio \
    "fio p50" "pg p50" "p50 diff" "fio cpu" "pg cpu" ratio "pg sc" "batch"
for wl in $workloads; do
    for pair in $pairs; do
        pair_runs "$wl" "$pair" || continue
        for tool in fio pageio; do
            : >"$out/$wl.$pair.$tool.lines"
            for ((r = 1; r <= rounds; r++)); do
                extract "$tool" "$out/$wl.$pair.$tool.$r.json" >>"$out/$wl.$pair.$tool.lines"
            done
        done
        fi_=$(col "$out/$wl.$pair.fio.lines" 1); pi=$(col "$out/$wl.$pair.pageio.lines" 1)
        f50=$(col "$out/$wl.$pair.fio.lines" 2); p50=$(col "$out/$wl.$pair.pageio.lines" 2)
        fc=$(col "$out/$wl.$pair.fio.lines" 4); pc=$(col "$out/$wl.$pair.pageio.lines" 4)
        fs=$(star "$out/$wl.$pair.fio.lines" 4); ps=$(star "$out/$wl.$pair.pageio.lines" 4)
        psc=$(col "$out/$wl.$pair.pageio.lines" 5); pb=$(col "$out/$wl.$pair.pageio.lines" 6)
        awk -v wl="$wl" -v pair="$pair" -v fi="$fi_" -v pi="$pi" -v f50="$f50" -v p50="$p50" -v fc="$fc" -v pc="$pc" \
            -v fs="$fs" -v ps="$ps" -v psc="$psc" -v pb="$pb" '
            function ok(x) { return x != "nan" && x != "" }
            function num(x, fmt) { return ok(x) ? sprintf(fmt, x) : "n/a" }
            function ratio(a, b) { return ok(a) && ok(b) && b > 0 ? sprintf("%.2f", a / b) : "n/a" }
            BEGIN {
                printf "%-19s %-22s %11s %11s %6s %9s %9s %8s %9s %9s %6s %6s %6s\n", wl, pair,
                    num(fi, "%.0f"), num(pi, "%.0f"), ratio(pi, fi), num(f50, "%.1f"), num(p50, "%.1f"),
                    ok(f50) && ok(p50) ? sprintf("%+.1f", p50 - f50) : "n/a",
                    num(fc, "%.2f") fs, num(pc, "%.2f") ps, ratio(pc, fc), num(psc, "%.2f"), num(pb, "%.1f")
            }'
    done
done
fi

# ------------------------------------------------------------------------------------------------ group commit

run_fio_gc() { # committers dest
    run_sampled fio "$2" fio --name=pageio-gc --filename="$disk_file" --size="$size" --rw=randwrite --bs=4k \
        --ioengine=psync --iodepth=1 --numjobs="$1" --fdatasync=1 --direct=1 --time_based --runtime="$runtime" \
        --ramp_time="$warmup" --norandommap --randrepeat=0 --lat_percentiles=1 --group_reporting --output-format=json
}

run_pageio_gc() { # engine committers K dest
    local args=(--engine "$1" --file "$disk_file" --size "$size" --rw randwrite --bs 4k --direct --group-commit
        --jobs "$2" --runtime "$runtime" --warmup "$warmup" --json)
    [[ "$1" != jdk-channel ]] && args+=(--barrier-syncs "$3")
    run_sampled pageio "$4" "$bench" "${args[@]}"
}

# One line "commits_per_s p50_us p99_us commits_per_sync cpu_us_per_commit[*]" from a group-commit report.
# fio measures a commit's write and its fdatasync apart: its p50/p99 are the sums of the two percentiles (an
# approximation, marked ~ in the table); pageio and jdk-channel time the whole commit.
extract_gc() { # kind file
    python3 - "$1" "$2" "$clk_tck" <<'PY' 2>/dev/null || true
import json, os, sys
kind, path, clk_tck = sys.argv[1], sys.argv[2], float(sys.argv[3])
text = open(path).read()
if kind == "fio":
    j = json.loads(text[text.index("{"):])["jobs"][0]
    w, s = j["write"], j["sync"]
    rate = w["iops"]
    wp, sp = w["lat_ns"]["percentile"], s["lat_ns"]["percentile"]
    p50 = (wp["50.000000"] + sp["50.000000"]) / 1000.0
    p99 = (wp["99.000000"] + sp["99.000000"]) / 1000.0
    syncs = s["lat_ns"].get("N", 0) or s.get("total_ios", 0)
    per_sync = w["total_ios"] / syncs if syncs else float("nan")
    cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 * j["job_runtime"] * 1000.0 / w["total_ios"] if w["total_ios"] else 0
else:
    d = json.loads(text.strip().splitlines()[-1])
    rate = d["iops"]
    p50, p99 = d["lat_us"]["p50"], d["lat_us"]["p99"]
    per_sync = d["writes"] / d["syncs"] if d.get("syncs") else float("nan")
    cpu = d["cpu_us_per_io"]
steady = "*"
if os.path.exists(path + ".cpu") and rate > 0:
    ticks, seconds = (float(x) for x in open(path + ".cpu").read().split()[:2])
    if seconds > 0:
        cpu = ticks / clk_tck / seconds * 1e6 / rate
        steady = ""
print(rate, p50, p99, per_sync, "%s%s" % (cpu, steady))
PY
}

if [[ -n "${committers// /}" ]]; then
    [[ "$parser" == python3 ]] || die "the group-commit rows need python3 (--committers \"\" skips them)"
    # the runs of one committer count: fio, jdk-channel, then pageio per engine and K
    gc_tools=(fio jdk)
    for e in $gc_engines; do
        for k in $barrier_syncs; do
            gc_tools+=("pg-$e-k$k")
        done
    done
    for n in $committers; do
        for ((r = 1; r <= rounds; r++)); do
            # rotate the order each round, so no tool always runs first (or right after fio's flushes)
            for ((i = 0; i < ${#gc_tools[@]}; i++)); do
                t="${gc_tools[$(((i + r - 1) % ${#gc_tools[@]}))]}"
                dest="$out/gc-$n.$t.$r.json"
                echo "compare-fio: group commit, $n committers, $t, round $r/$rounds" >&2
                case "$t" in
                    fio) run_fio_gc "$n" "$dest" ;;
                    jdk) run_pageio_gc jdk-channel "$n" 0 "$dest" ;;
                    pg-*) e="${t#pg-}"; run_pageio_gc "${e%-k*}" "$n" "${t##*-k}" "$dest" ;;
                esac || echo "compare-fio:   $t failed: $(grep -m 1 -h 'pageio-bench:\|error' "$dest.err" || tail -n 1 "$dest.err")" >&2
            done
        done
    done

    printf '\ngroup commit: each committer writes 4k at a random offset then waits for its barrier; medians of %d rounds, %ss each\n' "$rounds" "$runtime"
    printf '(commits/s; p50/p99 commit latency in us, ~ = fio write pXX + fdatasync pXX; commits per sync; process-tree CPU per commit over the steady window, * = the tool'"'"'s own figure; vs peers: commits/s / the better peer'"'"'s, p50 / the lower peer p50)\n'
    printf '%-10s %-22s %10s %10s %10s %12s %10s %8s %8s\n' committers tool commits/s p50 p99 commits/sync cpu/commit "thr x" "p50 x"
    for n in $committers; do
        for t in "${gc_tools[@]}"; do
            : >"$out/gc-$n.$t.lines"
            for ((r = 1; r <= rounds; r++)); do
                extract_gc "$([[ "$t" == fio ]] && echo fio || echo pageio)" "$out/gc-$n.$t.$r.json" >>"$out/gc-$n.$t.lines"
            done
        done
        best_rate=$(printf '%s\n' "$(col "$out/gc-$n.fio.lines" 1)" "$(col "$out/gc-$n.jdk.lines" 1)" | grep -v nan | sort -g | tail -n 1)
        low_p50=$(printf '%s\n' "$(col "$out/gc-$n.fio.lines" 2)" "$(col "$out/gc-$n.jdk.lines" 2)" | grep -v nan | sort -g | head -n 1)
        for t in "${gc_tools[@]}"; do
            f="$out/gc-$n.$t.lines"
            case "$t" in
                fio) label="fio psync fdatasync" ;;
                jdk) label="jdk-channel force" ;;
                *) e="${t#pg-}"; label="pageio ${e%-k*} K=${t##*-k}" ;;
            esac
            awk -v n="$n" -v label="$label" -v rate="$(col "$f" 1)" -v p50="$(col "$f" 2)" -v p99="$(col "$f" 3)" \
                -v ps="$(col "$f" 4)" -v cpu="$(col "$f" 5)" -v star="$(star "$f" 5)" -v approx="$([[ "$t" == fio ]] && echo "~")" \
                -v best="${best_rate:-nan}" -v low="${low_p50:-nan}" -v peer="$([[ "$t" == fio || "$t" == jdk ]] && echo 1)" '
                function ok(x) { return x != "nan" && x != "" }
                function num(x, fmt) { return ok(x) ? sprintf(fmt, x) : "n/a" }
                function ratio(a, b) { return !peer && ok(a) && ok(b) && b > 0 ? sprintf("%.2f", a / b) : "" }
                BEGIN {
                    printf "%-10s %-22s %10s %10s %10s %12s %10s %8s %8s\n", n, label, num(rate, "%.0f"),
                        approx num(p50, "%.0f"), approx num(p99, "%.0f"), num(ps, "%.1f"), num(cpu, "%.1f") star,
                        ratio(rate, best), ratio(p50, low)
                }'
        done
    done
fi
