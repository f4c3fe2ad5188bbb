# Sourced by the bench scripts that run inside the ublk host (vm/run): start and stop the plain-JVM
# device server, run fio, read a process's CPU time, and print ratios. Needs SERVER_CP and JAVA_HOME.
# The caller runs pinned to CPU 0 (vm/run's default, against JIT crashes under TCG): the server
# inherits that; fio runs on CPU 1 for both the kernel's device and jublk's.

FIO_CPU=${BENCH_FIO_CPU:-1}
CLK_TCK=$(getconf CLK_TCK)
server_pid=
server_id=
server_log=/tmp/jublk-bench-server.log

# start_server TYPE ARGS... : serves a device, sets server_pid and server_id
start_server() {
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx512m \
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

# fio_run DEV RW BS QD SECONDS : prints "IOPS IOS"; fails on any fio error
fio_run() {
    local dev=$1 rw=$2 bs=$3 qd=$4 secs=$5 json
    json=$(taskset -c "$FIO_CPU" fio --name=bench --filename="$dev" --ioengine=io_uring --direct=1 --rw="$rw" \
        --bs="$bs" --iodepth="$qd" --time_based --runtime="$secs" --norandommap --randrepeat=0 \
        --output-format=json) || { echo "fio failed on $dev" >&2; return 1; }
    python3 -c '
import json, sys
job = json.loads(sys.argv[1])["jobs"][0]
if job["error"]:
    sys.exit("fio error %d" % job["error"])
side = job["read"] if job["read"]["total_ios"] else job["write"]
print(round(side["iops"]), side["total_ios"])' "$json"
}

# jublk_fio DEV RW BS QD SECONDS : like fio_run, and appends the server's CPU microseconds per I/O
jublk_fio() {
    local before after out
    before=$(cpu_ticks "$server_pid")
    out=$(fio_run "$@") || return 1
    after=$(cpu_ticks "$server_pid")
    set -- $out
    python3 -c "print($1, $2, f'{($after - $before) * 1e6 / $CLK_TCK / $2:.1f}')"
}

no_scheduler() { # DEV... : no I/O scheduler, as the reference servers' benches do
    local d
    for d in "$@"; do echo none >"/sys/block/$(basename "$d")/queue/scheduler"; done
}

ratio() { python3 -c "print(f'{$1/$2:.3f}')"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.3f}')" $1; }
