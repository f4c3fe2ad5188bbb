# Sourced by the bench scripts that run inside the ublk host (vm/run): start and stop the plain-JVM
# device server, run fio, read a process's CPU time, and print ratios. Needs SERVER_CP and JAVA_HOME.
# The caller runs pinned to CPU 0 (vm/run's default, against JIT crashes under TCG): the server
# inherits that; fio runs on CPU 1 for both the kernel's device and jublk's.

JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
FIO_CPU=${BENCH_FIO_CPU:-1}
CLK_TCK=$(getconf CLK_TCK)
server_pid=
server_id=
# in the share, so the host can read it when a run goes wrong
server_log=${BENCH_LOG:-/tmp/jublk-bench-server.log}

# start_server TYPE ARGS... : serves a device, sets server_pid and server_id
start_server() {
    # BENCH_JAVA_OPTS: extra JVM options (e.g. -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit to profile)
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx512m ${BENCH_JAVA_OPTS:-} \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$SERVER_CP" io.jublk.bench.serve.BenchServer "$@" \
        >"$server_log" 2>&1 &
    local pid=$! i
    for ((i = 0; i < 600; i++)); do
        if read -r word id jpid < <(grep '^ready ' "$server_log"); then
            server_id=$id server_pid=$jpid
            [[ $server_pid == "$pid" ]] || echo "note: server pid $server_pid, started $pid" >&2
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    echo "the jublk server did not start:" >&2
    cat "$server_log" >&2
    return 1
}

stop_server() {
    [[ -n $server_pid ]] || return 0
    kill -TERM "$server_pid"
    local i
    for ((i = 0; i < 120; i++)); do
        kill -0 "$server_pid" 2>/dev/null || { server_pid=; return 0; }
        sleep 0.5
    done
    echo "the jublk server did not stop:" >&2
    cat "$server_log" >&2
    return 1
}

# cpu_ticks PID : user + system time of the whole process, in clock ticks
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }            # fields after "(comm) ", so field 14 (utime) is the 12th here
    set -- $stat
    echo $(( ${12} + ${13} ))
}

# fio_run DEV RW BS QD SECONDS : prints "IOPS IOS"; fails on any fio error or when fio hangs (a stuck server).
# FIO_EXTRA adds fio options (e.g. --offset=1G --size=1G).
fio_run() {
    local dev=$1 rw=$2 bs=$3 qd=$4 secs=$5 out
    # terse output (v3) and awk: a python start per run costs seconds under TCG
    out=$(timeout $((secs * 4 + 120)) taskset -c "$FIO_CPU" fio --name=bench --filename="$dev" \
        --ioengine=io_uring --direct=1 --rw="$rw" --bs="$bs" --iodepth="$qd" --time_based --runtime="$secs" \
        --norandommap --randrepeat=0 ${FIO_EXTRA:-} --output-format=terse --terse-version=3) \
        || { echo "fio failed or hung on $dev ($rw $bs QD$qd); server log:" >&2; tail -20 "$server_log" >&2; return 1; }
    # fields: 5 error, 6 read KiB, 8 read IOPS, 47 write KiB, 49 write IOPS
    awk -F';' -v bs="$(numfmt --from=iec "${bs^^}")" '{
        if ($5 != 0) { print "fio error " $5 > "/dev/stderr"; exit 1 }
        kib = $6 + $47; iops = $8 + $49
        printf "%d %d\n", iops, kib * 1024 / bs }' <<<"$out"
}

# cpu_fio PID DEV RW BS QD SECONDS : like fio_run, and appends process PID's CPU microseconds per I/O
cpu_fio() {
    local pid=$1 before after out
    shift
    before=$(cpu_ticks "$pid")
    out=$(fio_run "$@") || return 1
    after=$(cpu_ticks "$pid")
    set -- $out
    awk -v i="$1" -v n="$2" -v t=$((after - before)) -v hz="$CLK_TCK" 'BEGIN { printf "%d %d %.1f\n", i, n, t * 1e6 / hz / (n ? n : 1) }'
}

# jublk_fio DEV RW BS QD SECONDS : like fio_run, and appends the jublk server's CPU microseconds per I/O
jublk_fio() { cpu_fio "$server_pid" "$@"; }

no_scheduler() { # DEV... : no I/O scheduler, as the reference servers' benches do
    local d
    for d in "$@"; do echo none >"/sys/block/$(basename "$d")/queue/scheduler"; done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b ? a / b : 0 }'; }
median() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

describe_devices() { # DEV...
    local d q
    for d in "$@"; do
        q=/sys/block/$(basename "$d")/queue
        echo "  $d: $(( $(cat "/sys/block/$(basename "$d")/size") / 2048 )) MiB, logical $(cat $q/logical_block_size)," \
            "max_sectors_kb $(cat $q/max_sectors_kb), nr_requests $(cat $q/nr_requests), scheduler $(cat $q/scheduler)"
    done
}

# warm_up DEV : lets the JIT compile the server's I/O path before anything is counted. Under TCG a C2
# compile takes seconds of the server's vCPU, so a short warm-up leaves the compiler running into the
# measured runs (seen: 27 IOPS and 41 ms of CPU per I/O after a 6 s warm-up).
warm_up() {
    local w=${BENCH_WARMUP:-10} i
    echo "== warm-up (jublk: 3 x 4k randread QD64, randwrite QD64, randread QD1, $w s each, not counted)"
    for i in 1 2 3; do
        echo "   $(jublk_fio "$1" randread 4k 64 "$w") / $(jublk_fio "$1" randwrite 4k 64 "$w") /" \
            "$(jublk_fio "$1" randread 4k 1 "$w")   (IOPS I/Os CPU-us/io)"
    done
}

# alternate KERNEL_NAME KERNEL_DEV JUBLK_DEV : runs every job of $jobs ("name:rw:bs:qd ...") on both
# devices, BENCH_ROUNDS times (3), BENCH_SECONDS each (10), the kernel's device first in odd rounds and
# jublk's first in even ones; prints each ratio, jublk's CPU per I/O, then the medians
alternate() {
    local kname=$1 kdev=$2 udev=$3 seconds=${BENCH_SECONDS:-10} rounds=${BENCH_ROUNDS:-3}
    local r j name rw bs qd k u kiops kcpu uiops ucpu x
    local -A ratios cpus kcpus
    echo "== $rounds rounds of $seconds s per run; $kname first in odd rounds, jublk first in even ones"
    printf "%-5s %-18s %10s %10s %7s %15s %s\n" round job "$kname" jublk ratio jublk_cpu_us/io \
        "${reference_pid:+${kname}_cpu_us/io}"
    for ((r = 1; r <= rounds; r++)); do
        for j in $jobs; do
            IFS=: read -r name rw bs qd <<<"$j"
            if ((r % 2)); then
                k=$(reference_fio "$kdev" "$rw" "$bs" "$qd" "$seconds"); u=$(jublk_fio "$udev" "$rw" "$bs" "$qd" "$seconds")
            else
                u=$(jublk_fio "$udev" "$rw" "$bs" "$qd" "$seconds"); k=$(reference_fio "$kdev" "$rw" "$bs" "$qd" "$seconds")
            fi
            read -r kiops _ kcpu <<<"$k"
            read -r uiops _ ucpu <<<"$u"
            x=$(ratio "$uiops" "$kiops")
            ratios[$name]="${ratios[$name]:-} $x"
            cpus[$name]="${cpus[$name]:-} $ucpu"
            kcpus[$name]="${kcpus[$name]:-} ${kcpu:-0}"
            printf "%-5s %-18s %10s %10s %7s %15s %s\n" "$r" "$name" "$kiops" "$uiops" "$x" "$ucpu" "${kcpu:-}"
        done
    done
    echo "== medians ($(uname -r))"
    for j in $jobs; do
        name=${j%%:*}
        echo "$name: jublk/$kname $(median "${ratios[$name]}"), jublk CPU $(median "${cpus[$name]}") us/io" \
            "${reference_pid:+($kname CPU $(median "${kcpus[$name]}") us/io)}"
    done
}

# reference_fio DEV RW BS QD SECONDS : the reference column's run; with a reference server (compare_batch_io)
# its CPU per I/O is appended too
reference_fio() {
    if [[ -n ${reference_pid:-} ]]; then cpu_fio "$reference_pid" "$@"; else fio_run "$@"; fi
}

# compare_batch_io TYPE ARGS... : instead of the kernel's driver, jublk with per-tag commands (the reference
# column) against jublk with UBLK_F_BATCH_IO (the jublk column), same target and options, two servers in this
# one boot, alternating like every other comparison (BENCH_COMPARE=batch-io). Both servers' CPU per I/O is
# printed (the batch server's in the jublk column, the per-tag server's last).
compare_batch_io() {
    start_server "$@" -c per-tag
    reference_pid=$server_pid
    local ref_dev=/dev/ublkb$server_id ref_log=$server_log
    server_log=${server_log%.log}-batch.log
    start_server "$@" -c batch
    local udev=/dev/ublkb$server_id
    no_scheduler "$ref_dev" "$udev"
    echo "kernel $(uname -r), $(nproc --all) vCPUs; per-tag server $reference_pid serves $ref_dev, batch server" \
        "$server_pid serves $udev (1 queue, depth 128 each); fio on CPU $FIO_CPU"
    describe_devices "$ref_dev" "$udev"
    local batch_pid=$server_pid
    server_pid=$reference_pid; warm_up "$ref_dev"
    server_pid=$batch_pid; warm_up "$udev"
    alternate per-tag "$ref_dev" "$udev"
}

# stops the per-tag server of compare_batch_io, if any (for the callers' EXIT traps)
stop_reference_server() {
    [[ -n ${reference_pid:-} ]] || return 0
    local batch_pid=$server_pid
    server_pid=$reference_pid
    stop_server || true
    server_pid=$batch_pid reference_pid=
}
