# Sourced by kernel-distribution.sh: the rbd target in the same container boot, against a Ceph cluster (one
# monitor, one memstore OSD) that the guest starts itself (it has no network to the host) while the container
# boots. An rbd device added by bin/ublk is written by fio --verify=crc32c through a target bundle update, a core
# bundle restart and (with the other devices) the kill -9 of the container; after each, the image's exclusive
# lock has a new owner, and what `rbd export` reads (the cluster's copy, not through jublk) is what fio wrote.
ceph_script="${here}/../../../bundles/target-rbd/src/test/ceph-cluster.sh"
ceph_dir="${work}/ceph"
ceph_conf="${ceph_dir}/ceph.conf"
rbd_image=rbd/disk
rbd_writes=16M # each event's fio writes 16M of the 64M image, at its own offset

rbd_cli() { rbd -c "${ceph_conf}" "$@"; }

rbd_start_cluster() { # in the background: it takes 35 to 70 s under TCG
    # on the second vCPU (C++ daemons: vm/run's pinning is for JVMs), so that the container's boot on the
    # first does not wait for them (2026-12-07, 6.12: the boot took 374 s beside them on one vCPU, 165 s so)
    local pin=""
    [ "`nproc --all`" -gt 1 ] && pin="taskset -c 1"
    CEPH_CLUSTER_TIMEOUT=300 ${pin} "${ceph_script}" start "${ceph_dir}" > "${work}/ceph-start.out" 2>&1 &
    ceph_pid=$!
}

rbd_await_cluster() {
    wait "${ceph_pid}"
    local ceph_rc=$?
    check "the Ceph cluster in the guest is up (exit ${ceph_rc}), `elapsed` after the start" [ "${ceph_rc}" = 0 ]
    [ "${ceph_rc}" = 0 ] || { tail -n 30 "${work}/ceph-start.out"; return 1; }
    rbd_cli create --size 64M "${rbd_image}" > "${work}/rbd-create.out" 2>&1
    check "rbd create --size 64M ${rbd_image} (exclusive-lock among the default features): `cat "${work}/rbd-create.out"`" \
        sh -c 'rbd -c "$0" info "$1" | grep -q "features: .*exclusive-lock"' "${ceph_conf}" "${rbd_image}"
}

# the image's exclusive lock as "rbd lock ls" shows it: locker, cookie and address of the client holding it
rbd_lock() { rbd_cli lock ls --format json "${rbd_image}" 2>&1; }
rbd_lock_address() { rbd_lock | sed -n 's/.*"address":"\([^"]*\)".*/\1/p'; }

rbd_add() { # bin/ublk add -t rbd; the listing; the refusals
    run add -t rbd --pool rbd --image disk --conf "${ceph_conf}" -q 2 -i 1
    rid=`added_id`
    check "ublk add -t rbd --pool rbd --image disk --conf ... -q 2 -i 1: exit ${rc}, dev id ${rid} ${err}" \
        sh -c '[ "$0" = 0 ] && [ -n "$1" ]' "${rc}" "${rid}"
    [ -n "${rid}" ] || return 1
    check_listing "${rid}" 2 rbd
    check "list ${rid}: the target names the pool, the image, the cluster's fsid and the lock (`field target`)" \
        sh -c 'printf "%s\n" "$0" | grep "\"pool\":\"rbd\"" | grep "\"image\":\"disk\"" | grep "\"fsid\":\"$1\"" \
            | grep -q "\"exclusiveLock\":true"' "`field target`" "`sed -n 's/^fsid = //p' "${ceph_conf}"`"
    check "the image's lock is held: `rbd_lock`" [ -n "`rbd_lock_address`" ]
    run list
    check "ublk list (all devices) shows the rbd device" \
        sh -c 'printf "%s\n" "$0" | grep -q "^dev id $1: " && printf "%s\n" "$0" | grep -q "target {\"name\":\"rbd\""' \
        "${out}" "${rid}"
    before=`disks`
    bad_input "image nosuch does not exist in pool rbd" add -t rbd --pool rbd --image nosuch --conf "${ceph_conf}"
    bad_input "rbd/disk is already served by a disk of this server" \
        add -t rbd --pool rbd --image disk --conf "${ceph_conf}"
    check "device ${rid} is still served and LIVE after the refusals" served "${rid}"
}

# rbd_verified TAG NAME OFFSET PID: the fio of the event NAME (verify_writer on the rbd device from OFFSET, its
# output in fio-rbd-TAG.out) ended clean, and the same fio job in --verify_only mode finds its data in what rbd
# export reads; the whole export is the disk's bytes
rbd_verified() {
    local name="$2" offset="$3" p="$4" f="${work}/fio-rbd-$1.out" fio_rc disk image
    wait "${p}"
    fio_rc=$?
    check "the rbd fio through the ${name} finished with exit status 0 (${fio_rc}), no error, all verified" \
        sh -c '[ "$0" = 0 ] && grep -q "err= 0" "$1"' "${fio_rc}" "${f}"
    [ "${fio_rc}" = 0 ] || cat "${f}"
    echo "pause: ${name} (rbd): `grep -E '^ +lat \((nsec|usec|msec)\): ' "${f}" | sed 's/^ *//; s/, avg.*//' | paste -sd ';'`"
    rm -f "${work}/export.img"
    rbd_cli export --no-progress "${rbd_image}" "${work}/export.img" > "${work}/export.out" 2>&1
    fio --name=verify --filename="${work}/export.img" --rw=randwrite --bs=4k --offset="${offset}" --size="${rbd_writes}" \
        --direct=0 --ioengine=psync --verify=crc32c --verify_fatal=1 --verify_only --do_verify=1 \
        --verify_state_save=0 > "${work}/export-verify.out" 2>&1
    fio_rc=$?
    check "after the ${name}: rbd export holds what fio wrote through jublk (fio --verify_only on the export: ${fio_rc})" \
        sh -c '[ "$0" = 0 ] && grep -q "err= 0" "$1"' "${fio_rc}" "${work}/export-verify.out"
    [ "${fio_rc}" = 0 ] || { cat "${work}/export.out"; head -n 20 "${work}/export-verify.out"; }
    disk=`dd if="/dev/ublkb${rid}" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1`
    image=`sha256sum < "${work}/export.img" | cut -d' ' -f1`
    check "after the ${name}: the disk reads what rbd export reads, all 64M (${image})" [ "${disk}" = "${image}" ]
}

# rbd_event TAG NAME OFFSET CONSOLE-COMMAND: fio writes and verifies ${rbd_writes} of the rbd device from OFFSET; 2 s in, the
# console runs the command; the device is served again, the lock has a new owner, rbd reads back the data
rbd_event() {
    local tag="$1" name="$2" offset="$3" command="$4" owner p
    owner=`rbd_lock`
    verify_writer "/dev/ublkb${rid}" "${rbd_writes}" "${work}/fio-rbd-${tag}.out" "${offset}"
    p=$!
    sleep 2
    check "the rbd fio is running at the ${name}" kill -0 "${p}"
    out=`client "${command}"`
    check "${command}: ${out}" sh -c '! printf "%s\n" "$0" | grep -qi "error"' "${out}"
    for i in `seq 1 300`; do served "${rid}" && break; sleep 1; done
    check "rbd device ${rid} is served and LIVE after the ${name}" served "${rid}"
    rbd_verified "${tag}" "${name}" "${offset}" "${p}"
    check "the ${name} reopened the image: the lock has a new owner (`rbd_lock_address`, was ${owner})" \
        sh -c '[ -n "$0" ] && [ "$0" != "$1" ]' "`rbd_lock`" "${owner}"
}

rbd_kill_owner() { rbd_owner_at_kill=`rbd_lock_address`; } # call just before the kill -9

rbd_after_kill() { # rbd_after_kill OFFSET PID: the dead container's client was fenced, the new one took the lock,
    rbd_verified kill "kill -9 of the container" "$1" "$2" # and the data is there
    check "the killed container's client ${rbd_owner_at_kill} is blocklisted (its lock broken)" \
        sh -c 'ceph -c "$0" osd blocklist ls 2>/dev/null | grep -qF "$1"' "${ceph_conf}" "${rbd_owner_at_kill}"
    check "the new container holds the lock (`rbd_lock_address`)" \
        sh -c '[ -n "$0" ] && [ "$0" != "$1" ]' "`rbd_lock_address`" "${rbd_owner_at_kill}"
}

rbd_del() { # ublk del releases the lock; the image keeps every byte the disk had
    local disk image
    disk=`dd if="/dev/ublkb${rid}" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1`
    run del -n "${rid}"
    check "ublk del -n ${rid} (rbd): exit ${rc}, nothing on stdout (${out}) ${err}" sh -c '[ "$0" = 0 ] && [ -z "$1" ]' "${rc}" "${out}"
    check "/dev/ublkb${rid} is gone" [ ! -e "/dev/ublkb${rid}" ]
    run list
    check "ublk list no longer shows device ${rid}" sh -c '! printf "%s\n" "$0" | grep -q "^dev id $1: "' "${out}" "${rid}"
    check "the image's lock is released (`rbd_lock`)" [ -z "`rbd_lock_address`" ]
    image=`rbd_cli export --no-progress "${rbd_image}" - 2>/dev/null | sha256sum | cut -d' ' -f1`
    check "rbd export after ublk del reads what the disk read before it" [ "${disk}" = "${image}" ]
    "${ceph_script}" stop "${ceph_dir}" > /dev/null 2>&1
}
