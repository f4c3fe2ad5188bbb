#!/bin/sh
# The distribution on a ublk host (the build runs it in the VM, on 6.12 and on 7.2), in one container boot:
# 1. bin/ublk, the ublksrv-compatible CLI, on real devices: add -t null (1 and 2 queues), fio 4k randread
#    and randwrite at QD 64 for 10 s, "ublk list" read by field number as the reference server's scripts
#    read it (daemon pid the container's JVM, each queue's tid one of its threads), del; 8 devices at once
#    and "del -a"; bad inputs fail in one line and leave /dev/ublkb* as they were; del of a LIVE device
#    during I/O exits 0.
# 2. No lost device across a kill -9 of the container: a loop device made at the console (user recovery
#    with REISSUE, the console's default) and a qcow2 image added by bin/ublk with recovery (-i 1) are
#    written by two fios while the Karaf JVM is killed with SIGKILL. The image is checked by qemu-img as
#    the crash left it; on the next start the core finds the device records, sees the devices QUIESCED and
#    recovers them; both fios must finish with no error, and after the qcow2 device is deleted qemu-img
#    check and ublk:qcow2-check must find no corruption (leaked clusters are allowed).
#    Both fios verify everything they wrote, with no fsync: a completed write is in the file (the loop
#    target's in the page cache, the qcow2 target's data and the metadata it depends on too), so a kill -9
#    loses nothing acknowledged. The qcow2 image's first half is also written and flushed before the kill
#    and verified after it; qemu-img check finds the image as the kill left it consistent.
#    A device declared in etc/io.jublk.device-kd.cfg is made when the file appears, recovered after the
#    kill like the recorded ones, and deleted when the file goes.
#    A third device, ext4 on another qcow2 image, stays mounted across the kill: files written with
#    O_DIRECT just before it (acknowledged, no flush, journal commit held off) read back after the
#    recovery, and fsck -n finds the file system clean.
# 3. The rbd target (kernel-distribution-rbd.sh), against a Ceph cluster the guest starts while the container
#    boots: bin/ublk add -t rbd, list, refusals; fio --verify=crc32c through a bundle:update of the rbd target
#    and a bundle:restart of the core, then through the kill -9 of part 2 (the dead container's lock broken and
#    its client blocklisted); after each, rbd export holds what fio wrote; ublk del releases the lock.
# 4. The package's systemd unit, run as systemd would (src/test/unitlib.sh; the VM has no systemd): a loop
#    device with recovery and a pattern on it kept across "systemctl restart" (the server stopped by the unit's
#    KillSignal, ExecStart started with the unit's limits and OOM score): the same id, LIVE again, the pattern
#    intact; "systemctl stop" ends the server cleanly and leaves the device QUIESCED; del without a server.
# Usage: kernel-distribution.sh [DISTRIBUTION.tar.gz]
test_name=kernel-distribution
here=`cd "$(dirname "$0")" && pwd`
. "${here}/testlib.sh"
[ -e /dev/ublk-control ] || { echo "${test_name}: no ublk driver on this machine (run it in vm/run)" >&2; exit 2; }
for tool in fio qemu-img blockdev rbd ceph-mon ceph-osd; do
    command -v "${tool}" >/dev/null || { echo "${test_name}: ${tool} is not installed" >&2; exit 2; }
done

HOME="${work}/home"; export HOME; mkdir -p "${HOME}" # the VM's /root is read-only
JUBLK_START_TIMEOUT=900; export JUBLK_START_TIMEOUT # a Karaf boot under TCG on a busy machine is slow
# C1 only, as the Pax Exam tests do: under TCG a C2 compile costs more than it saves in a Karaf boot
EXTRA_JAVA_OPTS="${EXTRA_JAVA_OPTS:--XX:TieredStopAtLevel=1}"; export EXTRA_JAVA_OPTS
started_at=`date +%s`
. "${here}/kernel-distribution-rbd.sh"
rbd_start_cluster
client() { # a console command over ssh, as bin/ublk sends it
    ssh -n -T -p 8101 -i "${home}/etc/admin.key" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=QUIET -o ConnectTimeout=5 karaf@127.0.0.1 "$*" 2>&1 | tr -d "\r"
}
run() { # run ARG...: bin/ublk; sets rc, out (stdout) and err (stderr)
    "${home}/bin/ublk" "$@" > "${work}/ublk.out" 2> "${work}/ublk.err"
    rc=$?
    out=`cat "${work}/ublk.out"`
    err=`cat "${work}/ublk.err"`
}
lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
wait_console() { # bin/ublk starts the container when none runs and waits until its commands answer
    "${home}/bin/ublk" targets > "${work}/start.out" 2>&1 && return 0
    cat "${work}/start.out"; tail -n 20 "${home}/data/log/karaf.log"
    return 1
}
served() { # served ID: the device is LIVE and jublk serves it
    out=`client ublk:list -n "$1"`
    printf '%s\n' "${out}" | grep -q '"service":"serving"' && printf '%s\n' "${out}" | grep -q ' state LIVE'
}
disks() { ls /dev | grep '^ublkb[0-9][0-9]*$' | sort | paste -sd ' '; }
added_id() { printf '%s\n' "${out}" | sed -n 's/^dev id \([0-9][0-9]*\): .*/\1/p' | head -n 1; }
elapsed() { echo "`expr \`date +%s\` - ${started_at}` s"; }

# listing ID: "ublk list -n ID" read by field number into ${work}/fields (KEY=VALUE lines; see field)
listing() {
    run list -n "$1"
    printf '%s\n' "${out}" > "${work}/listing"
    awk '
        $1 == "dev" && $2 == "id" { sub(/:$/, "", $3)
            print "id=" $3; print "queues=" $5; print "depth=" $7; print "block_size=" $10; print "capacity=" $12 }
        $1 == "max" && $2 == "rq" { print "max_rq=" $4; print "pid=" $7; print "state=" $9 }
        $1 == "flags" { print "flags=" $2 }
        $1 == "ublkc:" { print "ublkc=" $2; print "ublkb=" $4; print "owner=" $6 }
        $1 == "queue" { sub(/:$/, "", $2); q = q " " $2; t = t " " $4
            a = $0; sub(/.*affinity\(/, "", a); sub(/ *\).*/, "", a); gsub(/ /, ",", a); aff = aff " " a }
        $1 == "target" { sub(/^[ \t]*target /, ""); print "target=" $0 }
        END { print "qids=" substr(q, 2); print "tids=" substr(t, 2); print "affinity=" substr(aff, 2) }' \
        "${work}/listing" > "${work}/fields"
}
field() { sed -n "s/^$1=//p" "${work}/fields" | head -n 1; }

# check_listing ID QUEUES TYPE: every field of the listing against the kernel and the container
check_listing() {
    local id="$1" queues="$2" type="$3" jvm expected_qids threads tid cpus set cpu
    listing "${id}"
    check "ublk list -n ${id} exits 0 (${rc}) ${err}" [ "${rc}" = 0 ]
    jvm=`server_pid`
    check "list ${id}: dev id ${id}, nr_hw_queues ${queues}, queue_depth 128 (`field id`, `field queues`, `field depth`)" \
        [ "`field id`/`field queues`/`field depth`" = "${id}/${queues}/128" ]
    check "list ${id}: block size and dev_capacity are the disk's (`field block_size`, `field capacity`)" \
        [ "`field block_size`/`field capacity`" = "`blockdev --getss /dev/ublkb${id}`/`blockdev --getsize64 /dev/ublkb${id}`" ]
    check "list ${id}: max rq size `field max_rq`, state `field state`" \
        sh -c '[ "$0" -gt 0 ] && [ "$1" = LIVE ]' "`field max_rq`" "`field state`"
    check "list ${id}: daemon pid `field pid` is the container's JVM (${jvm})" [ "`field pid`" = "${jvm}" ]
    check "list ${id}: flags `field flags` in hex" sh -c 'printf "%s\n" "$0" | grep -q "^0x[0-9a-f][0-9a-f]*$"' "`field flags`"
    check "list ${id}: ublkc: `field ublkc` ublkb: `field ublkb` are the device nodes' numbers" \
        [ "`field ublkc`/`field ublkb`" = "`stat -c %Hr:%Lr /dev/ublkc${id}`/`stat -c %Hr:%Lr /dev/ublkb${id}`" ]
    check "list ${id}: owner: `field owner` is the user who added it" [ "`field owner`" = "`id -u`:`id -g`" ]
    expected_qids=`seq 0 $((queues - 1)) | paste -sd ' '`
    check "list ${id}: one queue line per queue (`field qids`)" [ "`field qids`" = "${expected_qids}" ]
    threads=yes
    for tid in `field tids`; do [ -d "/proc/${jvm}/task/${tid}" ] || threads="no (${tid})"; done
    check "list ${id}: each queue's tid (`field tids`) is a thread of the JVM: ${threads}" [ "${threads}" = yes ]
    check "list ${id}: the queues' tids differ" [ "`field tids | tr ' ' '\n' | sort -u | wc -l`" = "${queues}" ]
    cpus=yes
    for set in `field affinity`; do
        [ -n "${set}" ] || cpus="no (an empty set)"
        for cpu in `echo "${set}" | tr ',' ' '`; do [ -d "/sys/devices/system/cpu/cpu${cpu}" ] || cpus="no (${cpu})"; done
    done
    check "list ${id}: each queue's affinity (`field affinity`) names CPUs of this machine: ${cpus}" [ "${cpus}" = yes ]
    check "list ${id}: target `field target`" \
        sh -c 'printf "%s\n" "$0" | grep -q "^{\"name\":\"$1\".*}$"' "`field target`" "${type}"
}

# load ID RW: fio 4k RW at QD 64 for 10 s on /dev/ublkbID, no error
load() {
    fio --name="$2" --filename="/dev/ublkb$1" --rw="$2" --bs=4k --direct=1 --ioengine=io_uring --iodepth=64 \
        --time_based --runtime=10 > "${work}/load.out" 2>&1
    fio_rc=$?
    check "fio 4k $2 QD 64 10 s on /dev/ublkb$1: exit ${fio_rc}, err=0, `grep -o 'IOPS=[^,]*' "${work}/load.out"`" \
        sh -c '[ "$0" = 0 ] && grep -q "err= 0" "$1"' "${fio_rc}" "${work}/load.out"
    [ "${fio_rc}" = 0 ] || cat "${work}/load.out"
}

# The writers are held to 1000 IOPS so that, however fast the machine, they are still writing when the
# container is killed 3 s after they start (32M of 4k writes: at least 8 s).
verify_writer() { # verify_writer DEVICE SIZE OUT [OFFSET]: fio writes and verifies SIZE of DEVICE from OFFSET in the background
    fio --name=verify --filename="$1" --rw=randwrite --bs=4k --offset="${4:-0}" --size="$2" --direct=1 \
        --ioengine=io_uring --iodepth=32 --rate_iops=1000 --verify=crc32c --verify_fatal=1 --do_verify=1 \
        --verify_state_save=0 > "$3" 2>&1 &
}
flushed() { # flushed DEVICE ["--verify_only --do_verify=1"]: fio 4k randwrite of the first 32M with crc32c, fsync; or its check
    fio --name=flushed --filename="$1" --rw=randwrite --bs=4k --size=32M --direct=1 --ioengine=io_uring \
        --iodepth=32 --verify=crc32c --verify_fatal=1 --do_verify=0 --end_fsync=1 --verify_state_save=0 $2 \
        > "${work}/flushed.out" 2>&1
}
# without a container, list and features answer from the kernel and start none
run features
check "ublk features with no container: exit ${rc}, `printf '%s\n' "${out}" | head -n 1`" \
    sh -c '[ "$0" = 0 ] && printf "%s\n" "$1" | grep -q "^ublk_drv features: 0x"' "${rc}" "${out}"
run list
check "ublk list with no container: exit ${rc} ${err}" [ "${rc}" = 0 ]
check "... and they started none" [ -z "`server_pid`" ]
check "bin/ublk starts the container" wait_console
echo "# container up after `elapsed`"
disks_at_start=`disks`

# ---- 1. bin/ublk on real devices ----------------------------------------------------------------------
for queues in 1 2; do
    if [ "${queues}" = 1 ]; then run add -t null; else run add -t null -q 2; fi
    id=`added_id`
    check "ublk add -t null -q ${queues}: exit ${rc}, dev id ${id} ${err}" sh -c '[ "$0" = 0 ] && [ -n "$1" ]' "${rc}" "${id}"
    [ -n "${id}" ] || continue
    check "ublk add printed the device as ublk list does" sh -c 'printf "%s\n" "$0" | grep -q "^	queue 0: tid "' "${out}"
    check "/dev/ublkb${id} exists when ublk add returns" [ -b "/dev/ublkb${id}" ]
    check_listing "${id}" "${queues}" null
    load "${id}" randread
    load "${id}" randwrite
    run del -n "${id}"
    check "ublk del -n ${id}: exit ${rc}, nothing on stdout as ublksrv (${out}) ${err}" sh -c '[ "$0" = 0 ] && [ -z "$1" ]' "${rc}" "${out}"
    check "/dev/ublkb${id} is gone" [ ! -e "/dev/ublkb${id}" ]
done
echo "# single devices done after `elapsed`"

before=`disks`
ids=""
for i in 1 2 3 4 5 6 7 8; do
    run add -t null
    [ "${rc}" = 0 ] && ids="${ids} `added_id`"
done
check "8 devices at once:${ids}" [ "`echo ${ids} | wc -w`" = 8 ]
run list
jvm=`server_pid`
live=0
for id in ${ids}; do # one "ublk list" of all devices: its dev id and daemon pid/state lines, by field number
    printf '%s\n' "${out}" | awk -v id="${id}" '$1 == "dev" && $2 == "id" { on = ($3 == id ":") }
        on && $1 == "max" && $2 == "rq" { print $7 "/" $9 }' | grep -qx "${jvm}/LIVE" \
        && [ -b "/dev/ublkb${id}" ] && live=$((live + 1))
done
check "all 8 are LIVE, served by the container, with their /dev/ublkbN (${live})" [ "${live}" = 8 ]
jobs=""
for id in ${ids}; do jobs="${jobs} --name=d${id} --filename=/dev/ublkb${id}"; done
fio --rw=randrw --bs=4k --direct=1 --ioengine=io_uring --iodepth=16 --time_based --runtime=5 ${jobs} \
    > "${work}/eight.out" 2>&1
fio_rc=$?
check "fio on the 8 devices at once: exit ${fio_rc}, no error" \
    sh -c '[ "$0" = 0 ] && [ "`grep -c "err= 0" "$1"`" = 8 ]' "${fio_rc}" "${work}/eight.out"
run del -a
check "ublk del -a: exit ${rc}, nothing on stdout (${out}) ${err}" sh -c '[ "$0" = 0 ] && [ -z "$1" ]' "${rc}" "${out}"
check "ublk del -a deleted the 8 devices (/dev/ublkb*: `disks`)" [ "`disks`" = "${before}" ]
echo "# 8 devices done after `elapsed`"

run add -t null
kept=`added_id`
check "a device to collide with: dev id ${kept}" [ -n "${kept}" ]
before=`disks`
bad_input() { # bad_input TEXT ARG...: bin/ublk ARG... fails with one line holding TEXT, /dev/ublkb* untouched
    expected="$1"; shift
    run "$@"
    check "ublk $*: exit ${rc}, one line: ${err}" \
        sh -c '[ "$0" != 0 ] && [ "$1" = 1 ] && printf "%s\n" "$2" | grep -q "^ublk: .*$3"' \
        "${rc}" "`lines "${err}"`" "${err}" "${expected}"
    check "ublk $*: /dev/ublkb* as before (`disks`)" [ "`disks`" = "${before}" ]
}
bad_input "unknown target type" add -t nosuchtype
bad_input "-q must be at least 1" add -t null -q 0
bad_input "5000" add -t null -d 5000
bad_input "device ${kept} exists already" add -t null -n "${kept}"
bad_input "no device 4711" del -n 4711
check "device ${kept} is still served and LIVE after the bad inputs" served "${kept}"

fio --name=busy --filename="/dev/ublkb${kept}" --rw=randread --bs=4k --direct=1 --ioengine=io_uring \
    --iodepth=64 --time_based --runtime=60 > "${work}/busy.out" 2>&1 &
busy=$!
sleep 3
check "fio is running on /dev/ublkb${kept}" kill -0 "${busy}"
run del -n "${kept}"
check "ublk del -n ${kept} of a LIVE device during I/O: exit ${rc} ${err}" [ "${rc}" = 0 ]
for i in `seq 1 30`; do kill -0 "${busy}" 2>/dev/null || break; sleep 1; done
check "fio on the deleted device ends" sh -c "! kill -0 ${busy} 2>/dev/null"
kill "${busy}" 2>/dev/null; wait "${busy}" 2>/dev/null
check "no device left (/dev/ublkb*: `disks`)" [ "`disks`" = "${disks_at_start}" ]
echo "# bin/ublk checks done after `elapsed`"

# ---- 3. the rbd target: bin/ublk, a target bundle update, a core restart (its kill -9 is in part 2) ------
rid=""
if rbd_await_cluster && rbd_add; then
    rbd_event swap "target bundle update" 0 "bundle:update jublk-target-rbd"
    rbd_event core "core bundle restart" 16M "bundle:restart jublk-core"
fi
echo "# rbd before the kill done after `elapsed`"

# ---- 2. kill -9 of the container during writes to a loop and a qcow2 device -----------------------------
img="${work}/backing.img"
truncate -s 64M "${img}"
out=`client ublk:add loop -q 2 -f "${img}"`
id=`printf '%s\n' "${out}" | sed -n 's/^dev id \([0-9]*\): .* LIVE$/\1/p'`
check "ublk:add loop: ${out}" [ -n "${id}" ]
[ -n "${id}" ] || { stop_and_report; exit 1; }
check "the device record is written" [ -f "${home}/data/jublk/devices/${id}.json" ]
qimg="${work}/disk.qcow2"
out=`client ublk:qcow2-create -s 256M "${qimg}"`
check "ublk:qcow2-create: ${out}" [ -f "${qimg}" ]
run add -t qcow2 -f "${qimg}" -q 2 -i 1
qid=`added_id`
check "ublk add -t qcow2 -f IMAGE -q 2 -i 1: exit ${rc}, dev id ${qid} ${err}" [ "${rc}" = 0 ] && [ -n "${qid}" ]
[ -n "${qid}" ] || { stop_and_report; exit 1; }
check_listing "${qid}" 2 qcow2
check "list ${qid}: flags `field flags` have USER_RECOVERY and USER_RECOVERY_REISSUE" \
    grep -q 'flags 0x[0-9a-f]* \[.*USER_RECOVERY USER_RECOVERY_REISSUE ' "${work}/listing"

# a declared device (etc/io.jublk.device-NAME.cfg, issue 18), as /etc/fstab declares a mount: made when the
# file appears, and after the kill -9 taken over again by the next container like any recorded device
did=47
printf 'id = %s\ntype = null\noption.size = 16M\n' "${did}" > "${home}/etc/io.jublk.device-kd.cfg"
for i in `seq 1 120`; do served "${did}" && break; sleep 1; done
check "the device declared in etc/io.jublk.device-kd.cfg is made and LIVE: dev ${did}" served "${did}"

# ext4 on a qcow2 device that stays mounted across the kill (as a user's file system would)
fimg="${work}/fs.qcow2"
client ublk:qcow2-create -s 128M "${fimg}" >/dev/null
run add -t qcow2 -f "${fimg}" -i 1
fid=`added_id`
check "ublk add -t qcow2 (for ext4): exit ${rc}, dev id ${fid} ${err}" [ "${rc}" = 0 ] && [ -n "${fid}" ]
modprobe ext4 2>/dev/null
mnt="${work}/mnt"; mkdir -p "${mnt}"
mkfs.ext4 -q -F "/dev/ublkb${fid}" > "${work}/mkfs.out" 2>&1 && mount -o commit=600 "/dev/ublkb${fid}" "${mnt}"
check "ext4 made and mounted on /dev/ublkb${fid} (journal commits held off): `head -c 200 "${work}/mkfs.out"`" \
    mountpoint -q "${mnt}"

flushed "/dev/ublkb${qid}"
fio_rc=$?
check "fio wrote and flushed the qcow2 device's first 32M: exit ${fio_rc}" [ "${fio_rc}" = 0 ]
[ "${fio_rc}" = 0 ] || cat "${work}/flushed.out"
verify_writer "/dev/ublkb${id}" 32M "${work}/fio.out"
fio_pid=$!
verify_writer "/dev/ublkb${qid}" 32M "${work}/fio-qcow2.out" 32M
qfio_pid=$!
if [ -n "${rid}" ]; then
    verify_writer "/dev/ublkb${rid}" "${rbd_writes}" "${work}/fio-rbd-kill.out" 32M
    rfio_pid=$!
fi
for n in 1 2 3 4 5 6 7 8; do # acknowledged by the device, not flushed: the kill comes before any commit
    dd if=/dev/urandom of="${mnt}/file${n}" bs=1M count=2 oflag=direct status=none
done
(cd "${mnt}" && sha256sum file*) > "${work}/fs.sums"
sleep 3
check "the loop fio is running when the container is killed" kill -0 "${fio_pid}"
check "the qcow2 fio is running when the container is killed" kill -0 "${qfio_pid}"
[ -z "${rid}" ] || check "the rbd fio is running when the container is killed" kill -0 "${rfio_pid}"
[ -z "${rid}" ] || rbd_kill_owner
pid=`server_pid`
kill -9 "${pid}"
killed_at=`date +%s`
for i in `seq 1 30`; do kill -0 "${pid}" 2>/dev/null || break; sleep 1; done
check "the Karaf JVM ${pid} is gone" sh -c "! kill -0 ${pid} 2>/dev/null"
size_at_kill=`stat -c %s "${qimg}"`
qemu-img check "${qimg}" > "${work}/check-crash.out" 2>&1
crash_rc=$?
check "qemu-img check of the image as the kill left it: exit ${crash_rc} (0 clean, 3 leaks only)" \
    sh -c '[ "$0" = 0 ] || [ "$0" = 3 ]' "${crash_rc}"
grep -v "^Leaked cluster" "${work}/check-crash.out" | sed 's/^/# /'

# As the kernel's test suites do after a kill: poll "ublk list" for the state. Without a container it answers
# from the kernel and starts none (the old bin/ublk booted one, which recovered the devices: never QUIESCED).
qstate=""
for i in `seq 1 60`; do
    run list -n "${qid}"
    qstate=`printf '%s\n' "${out}" | awk '$1 == "max" && $2 == "rq" { print $9 }'`
    [ "${qstate}" = QUIESCED ] && break
    sleep 1
done
check "ublk list -n ${qid} polled with no container: QUIESCED (${qstate}), `expr \`date +%s\` - ${killed_at}` s after the kill ${err}" \
    [ "${qstate}" = QUIESCED ]
check "... its target line from the record: `printf '%s\n' "${out}" | grep target`" \
    sh -c 'printf "%s\n" "$0" | grep -q "target {\"name\":\"qcow2\".*\"service\":\"not served: no jublk server runs\""' "${out}"
check "... and polling started no container" [ -z "`server_pid`" ]
run recover -n "${qid}"
check "ublk recover -n ${qid} starts the container and serves the device: exit ${rc} ${err}" [ "${rc}" = 0 ]
for dev in "${id}" "${qid}" "${fid}" "${did}" ${rid}; do
    for i in `seq 1 300`; do served "${dev}" && break; sleep 1; done
    check "device ${dev} is served and LIVE again, `expr \`date +%s\` - ${killed_at}` s after the kill" served "${dev}"
done
# devices first: the start gate held the framework at the core's level until these devices were served again
gate=`client 'system:property jublk.startgate'`
check "the start gate opened when the core had served its recorded devices again, at level 25 (${gate})" \
    sh -c 'printf "%s\n" "$0" | grep -q "served its recorded devices again ([1-9][0-9]* of [1-9][0-9]*); start level 25 -> 100"' "${gate}"
grep -e 'devices recovered: ' -e 'jublk start gate: ' -e 'Lock acquired. Setting' "${home}/data/log/karaf.log" | cut -c1-260 | sed 's/^/# /'
listing "${qid}"
check "list ${qid}: daemon pid `field pid` is the new JVM (`server_pid`)" [ "`field pid`" = "`server_pid`" ]
out=`"${home}/bin/ublk" recover -n "${id}" 2>&1`
check "ublk recover -n ${id} on a served device exits 0: ${out}" [ $? = 0 ]

for writer in "${fio_pid}:${work}/fio.out:loop" "${qfio_pid}:${work}/fio-qcow2.out:qcow2"; do
    p="${writer%%:*}"; f="${writer#*:}"; name="${f##*:}"; f="${f%:*}"
    wait "${p}"
    fio_rc=$?
    check "the ${name} fio finished with exit status 0 (${fio_rc})" [ "${fio_rc}" = 0 ]
    check "the ${name} fio saw no error and verified all it wrote" grep -q "err= 0" "${f}"
    [ "${fio_rc}" = 0 ] || cat "${f}"
    # bench/nolost collects these lines: the pause the kill caused, as fio's longest I/O latency
    echo "pause: kill -9 and restart of the container (${name}): `grep -E '^ +lat \((nsec|usec|msec)\): ' "${f}" \
        | sed 's/^ *//; s/, avg.*//' | paste -sd ';'`"
done
[ -z "${rid}" ] || rbd_after_kill 32M "${rfio_pid}"
echo "# the qcow2 image: ${size_at_kill} bytes at the kill, `stat -c %s "${qimg}"` at the end"

# the file system went on through the kill: its files are there, and it is clean once unmounted
sync
umount "${mnt}"
fsck.ext4 -n -f "/dev/ublkb${fid}" > "${work}/fsck.out" 2>&1
fsck_rc=$?
check "fsck -n of the ext4 on the qcow2 device after the kill: exit ${fsck_rc}" [ "${fsck_rc}" = 0 ]
[ "${fsck_rc}" = 0 ] || head -n 30 "${work}/fsck.out"
echo 3 > /proc/sys/vm/drop_caches
mount "/dev/ublkb${fid}" "${mnt}" && (cd "${mnt}" && sha256sum -c --quiet "${work}/fs.sums") > "${work}/sums.out" 2>&1
sums_rc=$?
check "the files written just before the kill read back intact (exit ${sums_rc}): `head -c 300 \"${work}/sums.out\"`" \
    [ "${sums_rc}" = 0 ]
umount "${mnt}"
run del -n "${fid}"
check "ublk del -n ${fid} (ext4 on qcow2): exit ${rc} ${err}" [ "${rc}" = 0 ]
qemu-img check "${fimg}" > "${work}/check-fs.out" 2>&1
fs_check_rc=$?
check "qemu-img check of the file system's image: exit ${fs_check_rc} (0 clean, 3 leaks only)" \
    sh -c '[ "$0" = 0 ] || [ "$0" = 3 ]' "${fs_check_rc}"

flushed "/dev/ublkb${qid}" "--verify_only --do_verify=1"
fio_rc=$?
check "the qcow2 device's flushed first 32M read back intact after the kill: exit ${fio_rc}" \
    sh -c '[ "$0" = 0 ] && grep -q "err= 0" "$1"' "${fio_rc}" "${work}/flushed.out"
[ "${fio_rc}" = 0 ] || head -n 20 "${work}/flushed.out"
run del -n "${qid}"
check "ublk del -n ${qid} (qcow2): exit ${rc} ${err}" [ "${rc}" = 0 ]
qemu-img check "${qimg}" > "${work}/check.out" 2>&1
check_rc=$?
check "qemu-img check after the run: exit ${check_rc} (0 clean, 3 leaks only)" \
    sh -c '[ "$0" = 0 ] || [ "$0" = 3 ]' "${check_rc}"
grep -v "^Leaked cluster" "${work}/check.out" | sed 's/^/# /'
out=`client ublk:qcow2-check "${qimg}"`
check "ublk:qcow2-check agrees: no corruption" \
    sh -c '! printf "%s\n" "$0" | grep -qi "corruption\|error executing"' "${out}"
printf '%s\n' "${out}" | sed 's/^/# /'
client ublk:del -n "${id}" >/dev/null
rm -f "${home}/etc/io.jublk.device-kd.cfg"
for i in `seq 1 60`; do [ -e "/dev/ublkb${did}" ] || break; sleep 1; done
check "the declared device ${did} is deleted when its file goes" [ ! -e "/dev/ublkb${did}" ]
[ -z "${rid}" ] || rbd_del
check "the records are gone with the devices" \
    sh -c '[ ! -e "$0/${1}.json" ] && [ ! -e "$0/${2}.json" ]' "${home}/data/jublk/devices" "${id}" "${qid}"
echo "# kill -9 checks done after `elapsed`"

# ---- 3. the systemd unit's commands: a device kept across a restart, as systemctl runs them ---------------------
# The VM has no systemd as PID 1: unitlib.sh runs the package's unit file as systemd would (ExecStart in its own
# session with the unit's environment, limits and OOM score; stop by KillSignal, SIGKILL after TimeoutStopSec).
# "systemctl restart" is a stop and a start: the running server (boot 2, bin/start's) is stopped as the unit stops
# its server, then the unit starts one (the third boot), which recovers the device; then "systemctl stop".
. "${here}/unitlib.sh"
deb=`ls -t "\`dirname "${dist}"\`"/jublk_*_all.deb 2>/dev/null | head -n 1`
unit="${here}/../deb/jublk.service"
if [ -n "${deb}" ] && mkdir -p "${work}/deb" \
    && dpkg-deb --fsys-tarfile "${deb}" | tar -x -C "${work}/deb" ./lib/systemd/system/jublk.service; then
    unit="${work}/deb/lib/systemd/system/jublk.service"
else
    echo "# no package next to the distribution: the unit of src/deb"
fi
check "the unit file (${unit}) has settings unitlib.sh runs: ExecStart=${unit_exec_start:-`sed -n 's/^ExecStart=//p' "${unit}"`}" unit_load "${unit}"
uimg="${work}/unit.img"
truncate -s 64M "${uimg}"
run add -t loop -f "${uimg}" -r 1
uid=`added_id`
check "ublk add -t loop -f IMAGE -r 1, a device to keep: exit ${rc}, dev id ${uid} ${err}" \
    sh -c '[ "$0" = 0 ] && [ -n "$1" ]' "${rc}" "${uid}"
head -c 8M /dev/urandom > "${work}/pattern"
dd if="${work}/pattern" of="/dev/ublkb${uid}" bs=1M oflag=direct status=none
check "a pattern of 8M written to /dev/ublkb${uid} (exit $?)" [ $? = 0 ]
state_of() { run list -n "$1"; printf '%s\n' "${out}" | awk '$1 == "max" && $2 == "rq" { print $9 }'; }
old=`server_pid`
unit_stop "${old}"
check "systemctl restart, its stop: ${unit_kill_signal} ends the server ${old} within TimeoutStopSec=${unit_timeout} (SIGKILL needed: ${unit_killed})" \
    sh -c '[ "$0" = no ] && [ -n "$1" ] && [ -z "$2" ]' "${unit_killed}" "${old}" "`server_pid`"
check "device ${uid} waits QUIESCED in between: `state_of "${uid}"`" [ "`state_of "${uid}"`" = QUIESCED ]
unit_log="${work}/unit.log"
restarted_at=`date +%s`
# as a drop-in would add them: C1 only and a writable HOME (see the top), nothing else of this shell's environment
unit_start "${home}" HOME="${HOME}" EXTRA_JAVA_OPTS="${EXTRA_JAVA_OPTS}"
for i in `seq 1 900`; do served "${uid}" && break; unit_alive "${unit_pid}" || break; sleep 1; done
check "systemctl restart, its start: ExecStart serves device ${uid} again, LIVE, `expr \`date +%s\` - ${restarted_at}` s after the start" \
    served "${uid}"
[ -n "`server_pid`" ] || sed 's/^/# unit: /' "${unit_log}"
listing "${uid}"
check "list ${uid}: the same id, LIVE, daemon pid `field pid` the unit's main process ${unit_pid} (the JVM, karaf.pid `server_pid`)" \
    [ "`field id`/`field state`/`field pid`/`server_pid`" = "${uid}/LIVE/${unit_pid}/${unit_pid}" ]
check "the server has LimitMEMLOCK=${unit_memlock}: `grep 'Max locked memory' "/proc/${unit_pid}/limits"`" \
    grep -q '^Max locked memory  *unlimited  *unlimited ' "/proc/${unit_pid}/limits"
check "the server has LimitNOFILE=${unit_nofile}: `grep 'Max open files' "/proc/${unit_pid}/limits"`" \
    grep -q "^Max open files  *${unit_nofile}  *${unit_nofile} " "/proc/${unit_pid}/limits"
check "the server has OOMScoreAdjust=${unit_oom}: `cat "/proc/${unit_pid}/oom_score_adj"`" \
    [ "`cat "/proc/${unit_pid}/oom_score_adj"`" = "${unit_oom}" ]
dd if="/dev/ublkb${uid}" bs=1M count=8 iflag=direct status=none | cmp -s - "${work}/pattern"
check "the pattern written before the restart reads back intact (cmp exit $?)" [ $? = 0 ]
unit_stop
check "systemctl stop: the main process ends as SuccessExitStatus=${unit_success} allows (exit ${unit_status}, SIGKILL needed: ${unit_killed})" \
    [ "${unit_clean}/${unit_killed}" = yes/no ]
check "device ${uid} is kept QUIESCED for the next start: `state_of "${uid}"`" [ "`state_of "${uid}"`" = QUIESCED ]
run del -n "${uid}"
check "ublk del -n ${uid} with no server: exit ${rc} ${err}, /dev/ublkb${uid} and its record gone" \
    sh -c '[ "$0" = 0 ] && [ ! -e "/dev/ublkb$1" ] && [ ! -e "$2/$1.json" ]' "${rc}" "${uid}" "${home}/data/jublk/devices"
echo "# done after `elapsed`"
stop_and_report
