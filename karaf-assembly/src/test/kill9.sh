#!/bin/sh
# No lost device across a kill -9 of the container (run on a ublk host: the build runs it in the VM):
# a loop device made at the console (user recovery with REISSUE, the console's default) is written and
# verified by fio while the Karaf JVM is killed with SIGKILL. On the next start the core finds the
# device record, sees the device QUIESCED and recovers it; fio must finish with no error.
# Usage: kill9.sh [DISTRIBUTION.tar.gz]
test_name=kill9
here=`cd "$(dirname "$0")" && pwd`
. "${here}/testlib.sh"
[ -e /dev/ublk-control ] || { echo "kill9: no ublk driver on this machine (run it in vm/run)" >&2; exit 2; }
command -v fio >/dev/null || { echo "kill9: fio is not installed" >&2; exit 2; }

HOME="${work}/home"; export HOME; mkdir -p "${HOME}" # the VM's /root is read-only
JUBLK_START_TIMEOUT=900; export JUBLK_START_TIMEOUT # a Karaf boot under TCG on a busy machine is slow
client() { # a console command over ssh, as bin/ublk sends it
    ssh -n -T -p 8101 -i "${home}/etc/admin.key" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=QUIET -o ConnectTimeout=5 karaf@127.0.0.1 "$*" 2>&1 | tr -d "\r"
}
wait_console() { # bin/ublk starts the container when none runs and waits until its commands answer
    "${home}/bin/ublk" features > "${work}/start.out" 2>&1 && return 0
    cat "${work}/start.out"; tail -n 20 "${home}/data/log/karaf.log"
    return 1
}
served() { # served ID: the device is LIVE and jublk serves it
    out=`client ublk:list -n "$1"`
    printf '%s\n' "${out}" | grep -q '"service":"serving"' && printf '%s\n' "${out}" | grep -q ' state LIVE'
}

check "bin/ublk starts the container" wait_console
img="${work}/backing.img"
truncate -s 64M "${img}"
out=`client ublk:add loop -q 2 -f "${img}"`
id=`printf '%s\n' "${out}" | sed -n 's/^dev id \([0-9]*\): .* LIVE$/\1/p'`
check "ublk:add loop: ${out}" [ -n "${id}" ]
[ -n "${id}" ] || { stop_and_report; exit 1; }
check "the device record is written" [ -f "${home}/data/jublk/devices/${id}.json" ]

fio --name=verify --filename="/dev/ublkb${id}" --rw=randwrite --bs=4k --size=32M --direct=1 \
    --ioengine=io_uring --iodepth=32 --verify=crc32c --verify_fatal=1 --do_verify=1 --verify_state_save=0 \
    > "${work}/fio.out" 2>&1 &
fio_pid=$!
sleep 3
check "fio is running when the container is killed" kill -0 "${fio_pid}"
pid=`server_pid`
kill -9 "${pid}"
killed_at=`date +%s`
for i in `seq 1 30`; do kill -0 "${pid}" 2>/dev/null || break; sleep 1; done
check "the Karaf JVM ${pid} is gone" sh -c "! kill -0 ${pid} 2>/dev/null"

check "bin/ublk starts the container again" wait_console
for i in `seq 1 300`; do served "${id}" && break; sleep 1; done
check "device ${id} is served and LIVE again, `expr \`date +%s\` - ${killed_at}` s after the kill" served "${id}"
out=`"${home}/bin/ublk" recover -n "${id}" 2>&1`
check "ublk recover -n ${id} on a served device exits 0: ${out}" [ $? = 0 ]

wait "${fio_pid}"
fio_rc=$?
check "fio finished with exit status 0 (${fio_rc})" [ "${fio_rc}" = 0 ]
check "fio saw no error and verified its data" grep -q "err= 0" "${work}/fio.out"
[ "${fio_rc}" = 0 ] || cat "${work}/fio.out"
# bench/nolost collects this line: the pause the kill caused, as fio's longest I/O latency
echo "pause: kill -9 and restart of the container: `grep -E '^ +lat \((nsec|usec|msec)\): ' "${work}/fio.out" \
    | sed 's/^ *//; s/, avg.*//' | paste -sd ';'`"
client ublk:del -n "${id}" >/dev/null
check "the record is gone with the device" [ ! -e "${home}/data/jublk/devices/${id}.json" ]
stop_and_report
