#!/usr/bin/env bash
# A throw-away Ceph cluster for tests: one monitor and one memstore OSD on 127.0.0.1, cephx on, all state in DIR.
#
#   ceph-cluster.sh start DIR [PORT]   starts it (PORT: the monitor's, default 6789 + a hash of DIR); prints
#                                      DIR/ceph.conf on success. Pool "rbd" is created and initialised.
#   ceph-cluster.sh stop DIR           stops the daemons started in DIR (by their pid files) and removes DIR
#
# The client keyring (client.admin, all caps) is DIR/keyring; ceph.conf names it, so `rbd -c DIR/ceph.conf`
# works as is. Data lives in the OSD's memory (memstore): it is gone when the cluster stops.
# Every wait is bounded (CEPH_CLUSTER_TIMEOUT seconds, default 120); on failure the logs' tails are printed.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR [PORT]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
timeout=${CEPH_CLUSTER_TIMEOUT:-120}

fail() {
  echo "ceph-cluster: $*" >&2
  for log in "$dir"/log/*.log "$dir"/log/daemons.err; do
    [ -f "$log" ] || continue
    echo "--- $log (tail)" >&2
    tail -n 15 "$log" >&2
  done
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 \
    || fail "$1 not found: install Debian's ceph-mon, ceph-osd and ceph-common (scripts/prereqs does)"
}

# Runs "$@" until it succeeds, for at most $timeout seconds in all.
await() {
  local what=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what: not done within ${timeout} s"
    sleep 0.5
  done
}

osd_up() {
  timeout 10 ceph -c "$dir/ceph.conf" --connect-timeout 5 osd dump 2>/dev/null | grep -q '^osd.0 up'
}

start() {
  need ceph-mon
  need ceph-osd
  need ceph
  need rbd
  need monmaptool
  need ceph-authtool
  local port=${1:-$((6789 + $(cksum <<<"$dir" | cut -d' ' -f1) % 2000))}
  if [ -z "${1:-}" ]; then
    # something listens there already (another cluster, another test): take the next free port
    while (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      port=$((port + 1))
    done
  fi
  mkdir -p "$dir"/{mon,osd,log,run}
  dir=$(cd "$dir" && pwd)
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$port
public network = 127.0.0.1/32
ms bind msgr2 = false
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $dir/keyring
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
run dir = $dir/run
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false
# small: this runs beside builds on a 2-core machine
osd objectstore = memstore
memstore device bytes = 1073741824
osd memory target = 268435456
osd op num shards = 1
osd op num threads per shard = 2
ms async op threads = 1

[mon.a]
mon data = $dir/mon
admin socket = $dir/run/\$name.asok
[osd.0]
osd data = $dir/osd
admin socket = $dir/run/\$name.asok
keyring = $dir/osd/keyring
osd journal size = 0
CONF
  ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/keyring" >/dev/null
  monmaptool --create --addv a "[v1:127.0.0.1:$port]" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring" \
    || fail "ceph-mon --mkfs failed"
  ceph-mon -c "$dir/ceph.conf" -i a 2>>"$dir/log/daemons.err" || fail "ceph-mon did not start (is port $port taken?)"
  await "the monitor answering on 127.0.0.1:$port" timeout 10 ceph -c "$dir/ceph.conf" --connect-timeout 5 mon stat

  local uuid secret
  uuid=$(cat /proc/sys/kernel/random/uuid)
  secret=$(ceph-authtool --gen-print-key)
  echo "{\"cephx_secret\": \"$secret\"}" \
    | timeout "$timeout" ceph -c "$dir/ceph.conf" osd new "$uuid" -i - >/dev/null || fail "ceph osd new failed"
  ceph-authtool --create-keyring "$dir/osd/keyring" --name osd.0 --add-key "$secret" >/dev/null
  timeout "$timeout" ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$uuid" >"$dir/log/osd-mkfs.out" 2>&1 \
    || fail "ceph-osd --mkfs failed: $(tail -n 3 "$dir/log/osd-mkfs.out")"
  ceph-osd -c "$dir/ceph.conf" -i 0 2>>"$dir/log/daemons.err" || fail "ceph-osd did not start"
  await "osd.0 up" osd_up

  timeout "$timeout" ceph -c "$dir/ceph.conf" osd pool create rbd 8 8 >/dev/null 2>&1 || fail "creating pool rbd failed"
  timeout "$timeout" rbd -c "$dir/ceph.conf" pool init rbd || fail "rbd pool init failed"
  echo "$dir/ceph.conf"
}

stop() {
  [ -d "$dir" ] || return 0
  local pids=()
  for f in "$dir"/run/*.pid; do
    [ -f "$f" ] && pids+=("$(cat "$f")")
  done
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  local deadline=$((SECONDS + 15))
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then
        kill -9 "$p" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  done
  rm -rf "$dir"
}

case $cmd in
  start) start "${3:-}" ;;
  stop) stop ;;
  *) usage ;;
esac
