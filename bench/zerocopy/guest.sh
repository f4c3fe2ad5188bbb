#!/usr/bin/env bash
# Inside the ublk host (started by bench/zerocopy/run): the same fio jobs against a loop device served in
# each data transfer mode, over one backing file on tmpfs (so the copies, not a disk, dominate).
set -euo pipefail

rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-8}
warmup=${BENCH_WARMUP:-10}
modes=(${BENCH_MODES:-auto copy user_copy})
size=${BENCH_SIZE:-512M}
file=/tmp/zc-bench.img
java="$JAVA_HOME/bin/java"
jobs=("randread 4k 64" "randwrite 4k 64" "read 512k 8" "write 512k 8")

echo "== kernel $(uname -r), $(nproc) vCPUs; backing $file ($size, tmpfs); $seconds s per job after a" \
    "$warmup s warm-up per server, $rounds rounds"
fio --name=prep --filename="$file" --size="$size" --rw=write --bs=1m --ioengine=psync --output=/dev/null

server_pid=""
stop_server() {
    [[ -z "$server_pid" ]] && return
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
trap stop_server EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime of the whole JVM

results=$(mktemp)
for ((r = 1; r <= rounds; r++)); do
    n=${#modes[@]}
    for ((k = 0; k < n; k++)); do
        mode=${modes[$(( (k + r - 1) % n ))]}   # rotate the order each round
        fifo=$(mktemp -u); mkfifo "$fifo"
        taskset -c 0 "$java" --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
            -cp "$BENCH_CP" io.jublk.bench.zerocopy.LoopServer "$file" "$mode" > "$fifo" &
        server_pid=$!
        read -r word id pid flags < "$fifo"
        rm -f "$fifo"
        [[ "$word" == ready ]] || { echo "server did not start ($mode)" >&2; exit 1; }
        echo "-- round $r: $mode: /dev/ublkb$id, flags $flags"
        echo none > "/sys/block/ublkb$id/queue/scheduler" 2>/dev/null || true
        # a fresh JVM: let the JIT compile the paths every job uses before anything is measured
        taskset -c 1 fio --name=warmup --filename="/dev/ublkb$id" --ioengine=io_uring --direct=1 --rw=randrw \
            --bsrange=4k-512k --iodepth=32 --time_based --runtime="$warmup" --size="$size" --output=/dev/null
        for job in "${jobs[@]}"; do
            set -- $job
            before=$(cpu_ticks "$pid")
            json=$(taskset -c 1 fio --name=j --filename="/dev/ublkb$id" --ioengine=io_uring --direct=1 \
                --rw="$1" --bs="$2" --iodepth="$3" --time_based --ramp_time=2 --runtime="$seconds" \
                --size="$size" --output-format=json)
            after=$(cpu_ticks "$pid")
            python3 - "$r" "$mode" "$1-$2-qd$3" "$((after - before))" "$seconds" "$json" >> "$results" <<'PY'
import json, sys
r, mode, job, ticks, seconds, doc = sys.argv[1:]
j = json.loads(doc)["jobs"][0]
side = j["read"] if j["read"]["io_bytes"] > 0 else j["write"]
ios = side["iops"] * (int(seconds) + 2)        # the CPU ticks include the ramp
cpu_us = int(ticks) * 10000 / ios if ios else 0   # 100 ticks a second
print(r, mode, job, round(side["iops"]), round(side["bw_bytes"] / 2**20, 1), round(cpu_us, 1))
PY
            tail -n 1 "$results" | awk '{ printf "   %-18s %9s IOPS %8s MiB/s  server CPU %6s us/IO\n", $3, $4, $5, $6 }'
        done
        stop_server
    done
done

python3 - "$results" "${modes[@]}" <<'PY'
import statistics, sys
path, modes = sys.argv[1], sys.argv[2:]
rows = [l.split() for l in open(path)]
val = {(r, m, j): (float(i), float(c)) for r, m, j, i, bw, c in rows}
jobs = list(dict.fromkeys(j for _, _, j, *_ in rows))
rounds = sorted({r for r, *_ in rows}, key=int)
print("\n== ratios to copy mode (IOPS; server CPU per I/O), per round, then the median")
for m in modes:
    if m == "copy":
        continue
    for j in jobs:
        iops = [val[(r, m, j)][0] / val[(r, "copy", j)][0] for r in rounds]
        cpu = [val[(r, m, j)][1] / val[(r, "copy", j)][1] for r in rounds if val[(r, "copy", j)][1] > 0]
        print(f"{m:>9} / copy  {j:<18} IOPS " + " ".join(f"{x:.2f}" for x in iops)
              + f"  median {statistics.median(iops):.2f};  CPU/IO " + " ".join(f"{x:.2f}" for x in cpu)
              + (f"  median {statistics.median(cpu):.2f}" if cpu else ""))
PY
