#!/bin/sh
#
# Smoke test of the jublk Karaf distribution, natively on this machine (JDK 25, no VM).
#
#   karaf-assembly/src/test/smoke.sh [DIST]
#
# DIST is an unpacked distribution directory or a .tar.gz (default: the one in karaf-assembly/target/);
# either way the test runs on a copy in a temporary directory, since it changes etc/ and deploy/. The server is started there, checked through bin/client
# and ssh, and stopped. Prints "ok"/"not ok" lines and a closing "N passed, N failed" line; exits non-zero
# on any failure. Needs: sh, tar, awk, sed, grep, ssh (openssh-client). Port 8101 must be free.
# KEEP=1 keeps the temporary directory (with data/log/karaf.log) for a look afterwards.

set -u

here=`cd "$(dirname "$0")" && pwd`
test_name=smoke
. "${here}/testlib.sh"
plain()  { sed 's/\x1b\[[0-9;]*[A-Za-z]//g'; }   # no ANSI colours (grep highlights in Karaf's output)

cleanup() {
    if [ -x "${home}/bin/stop" ] && [ -n "`server_pid`" ]; then
        "${home}/bin/stop" >/dev/null 2>&1
        sleep 2
        pid=`server_pid`; [ -n "${pid}" ] && kill "${pid}" 2>/dev/null
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "smoke: kept ${work}" >&2; else rm -rf "${work}"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5 -p 8101"
admin()  { ssh ${ssh_opts} -i "${home}/etc/admin.key" karaf@127.0.0.1 "$1" 2>&1 | plain | grep -v '^Connection to .* closed'; }
viewer() { ssh ${ssh_opts} -i "${work}/viewer.key" viewer@127.0.0.1 "$1" 2>&1 | plain | grep -v '^Connection to .* closed'; }
listening_on_8101() { # local addresses (hex, as in /proc/net/tcp*) listening on port 8101 (0x1FA5)
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { split($2, a, ":"); if (a[2] == "1FA5") print a[1] }'
}
bundle_state() { # State column of bundle:list for one bundle (by symbolic name)
    admin "bundle:list -t 0 $1" | awk -F'|' '$1 ~ /^ *[0-9]+ *$/ { gsub(/ /, "", $2); print $2 }'
}

command -v ssh >/dev/null || { echo "smoke: ssh (openssh-client) is needed" >&2; exit 2; }
[ -z "`listening_on_8101`" ] || { echo "smoke: port 8101 is already in use; stop the other server first" >&2; exit 2; }

echo "# distribution: ${home}"

# ---- Java check -----------------------------------------------------------------------------------
old_jdk=`ls -d /usr/lib/jvm/*-17-* /usr/lib/jvm/*-21-* 2>/dev/null | head -n 1`
if [ -n "${old_jdk}" ] && [ -x "${old_jdk}/bin/java" ]; then
    out=`JAVA_HOME="${old_jdk}" "${home}/bin/status" 2>&1`; rc=$?
    check "bin/setenv refuses Java older than 25 (${old_jdk})" \
        sh -c '[ "$0" -ne 0 ] && echo "$1" | grep -q "Java 25 or newer is needed"' "${rc}" "${out}"
fi

# ---- AOT cache: bin/setenv gives it to the server JVM with the JDK it was made for, and only then -----------
# (setenv sourced as bin/karaf server would, with throwaway etc/ and data/: no key, no lock of this distribution)
aot="${home}/lib/jublk/jublk.aot"
server_opts() { # [EXTRA_JAVA_OPTS [JUBLK_AOT]]
    mkdir -p "${work}/setenv/etc" "${work}/setenv/data" && : > "${work}/setenv/etc/admin.key"
    ( set +u; KARAF_ETC="${work}/setenv/etc" KARAF_DATA="${work}/setenv/data" DIRNAME="${home}/bin" PROGNAME=karaf
      EXTRA_JAVA_OPTS="${1:-}"; JUBLK_AOT="${2:-}"; set -- server; . "${home}/bin/setenv" > /dev/null 2>&1; echo "${JAVA_OPTS}" )
}
check "the distribution has an AOT cache and the JDK it belongs to (lib/jublk/jublk.aot, .jdk)" \
    [ -s "${aot}" -a -s "${aot}.jdk" ]
opts=`server_opts`
check "bin/setenv gives the server JVM -XX:AOTCache=lib/jublk/jublk.aot" \
    sh -c 'echo "$0" | grep -qF -- "-XX:AOTCache=$1"' "${opts}" "${aot}"
check "bin/setenv gave the class path jars the mtime the cache was made with" \
    sh -c '! stat -c %Y "$0"/lib/boot/*.jar "$0"/lib/jdk9plus/*.jar "$0"/lib/endorsed/*.jar | grep -qvx 946684800' "${home}"
chmod u+w "${aot}.jdk" && cp "${aot}.jdk" "${work}/aot.jdk" && echo 'IMPLEMENTOR="another JDK"' > "${aot}.jdk"
check "with another JDK bin/setenv leaves the AOT cache out" sh -c '! echo "$0" | grep -q AOTCache' "`server_opts`"
cp "${work}/aot.jdk" "${aot}.jdk"
check "with class data sharing options of one's own (-Xshare:off) bin/setenv leaves the AOT cache out" \
    sh -c '! echo "$0" | grep -q AOTCache' "`server_opts -Xshare:off`"
check "JUBLK_AOT=off leaves the AOT cache out" sh -c '! echo "$0" | grep -q AOTCache' "`server_opts '' off`"

# ---- start ----------------------------------------------------------------------------------------
start_time=`date +%s`
"${home}/bin/start" > "${work}/start.out" 2>&1
check "bin/start created the admin key, readable by its owner only" \
    sh -c '[ "`stat -c %a "$0/etc/admin.key"`" = 600 ] && grep -q "^karaf = " "$0/etc/keys.properties"' "${home}"

# Ready when the jublk bundles are up and no boot feature is still being installed (about 30 s on
# an idle 2-core machine; the limit leaves room for a busy one).
ready=no
while [ $((`date +%s` - start_time)) -lt 180 ]; do
    if [ "`admin 'bundle:list -t 0' | grep -c 'jublk ::'`" -ge 7 ] \
        && admin 'feature:list -i' | grep -q '^jublk-target-qcow2 .*Started'; then
        ready=yes; break
    fi
    sleep 1
done
check "server up with the jublk features started (in $((`date +%s` - start_time))s)" [ "${ready}" = yes ]
[ "${ready}" = yes ] || { tail -n 40 "${home}/data/log/karaf.log" 2>/dev/null; exit 1; }

# the JVM took the cache (a cache it refuses leaves class data sharing off altogether, the JDK's own archive too)
info=`"${JAVA_HOME:-\`ls -d /usr/lib/jvm/*25* | tail -n 1\`}/bin/jcmd" "\`server_pid\`" VM.info 2>&1`
check "the server JVM has the AOT cache mapped (jcmd VM.info)" \
    sh -c 'echo "$0" | grep -q "^CDS archive(s) mapped at" && echo "$0" | grep -qF -- "-XX:AOTCache=$1"' "${info}" "${aot}"

# ---- bin/client: admin by default, no password; -b reads the commands from stdin (no stdin EOF race) -
out=`printf 'jaas:whoami\nbundle:list -t 0\n' | "${home}/bin/client" -b 2>&1 | plain`
check "bin/client logs in as karaf without a password (jaas:whoami)" \
    sh -c 'echo "$0" | grep -qx "karaf *"' "${out}"
# Fragments ("Hosts: N") stay Resolved; every other bundle must be Active.
inactive=`echo "${out}" | awk -F'|' '$1 ~ /^ *[0-9]+ *$/ && $2 !~ /Active/ && $5 !~ /Hosts:/ { print $5 }'`
check "bin/client bundle:list: all bundles Active, jublk ones included${inactive:+ (not Active: ${inactive})}" \
    sh -c 'echo "$0" | grep -q "jublk :: target qcow2" && [ -z "$1" ]' "${out}" "${inactive}"

# ---- ssh --------------------------------------------------------------------------------------------
check "ssh -i etc/admin.key karaf@127.0.0.1 works and has the admin role" \
    sh -c 'echo "$0" | grep -qx "admin *"' "`admin 'jaas:whoami -r'`"
addrs=`listening_on_8101 | sort -u | tr '\n' ' '`
check "ssh listens on loopback only (${addrs})" \
    sh -c 'for a in $0; do case "$a" in 0100007F|0000000000000000FFFF00000100007F) ;; *) exit 1 ;; esac; done' "${addrs}"

# ---- console commands --------------------------------------------------------------------------------
check "piped command runs as the admin (jaas:whoami | grep karaf)" \
    sh -c 'echo "$0" | grep -qx "karaf *"' "`admin 'jaas:whoami | grep karaf'`"
check "piped command sees the jublk bundles (bundle:list | grep jublk)" \
    [ "`admin 'bundle:list -t 0 | grep jublk' | grep -c 'jublk ::'`" -ge 7 ]
check "feature:list -i shows jublk-platform started" \
    sh -c 'echo "$0" | grep -q "^jublk-platform .*Started"' "`admin 'feature:list -i'`"
admin 'feature:install diagnostic' > "${work}/feature-install.out"
check "feature:install diagnostic" \
    sh -c 'echo "$0" | grep -q "^diagnostic .*Started"' "`admin 'feature:list -i'`"
admin 'bundle:update jublk-target-null' > "${work}/bundle-update.out"
check "bundle:update jublk-target-null leaves it Active" [ "`bundle_state jublk-target-null`" = Active ]
admin 'bundle:stop jublk-target-null | tac' > /dev/null
stopped=`bundle_state jublk-target-null`
admin 'bundle:start jublk-target-null' > /dev/null
started=`bundle_state jublk-target-null`
check "admin may stop (in a pipe) and start a bundle (${stopped}, then ${started})" \
    [ "${stopped}/${started}" = Resolved/Active ]

# ---- ublk: commands: help and one-line errors (what needs no ublk driver; no ERROR in the log either) -------
# contains TEXT PATTERN...: TEXT has a line matching each PATTERN (grep -e)
contains() { _text="$1"; shift; for _p in "$@"; do printf '%s\n' "${_text}" | grep -q -e "${_p}" || return 1; done; }
one_line() { [ "`printf '%s\n' "$1" | grep -c .`" = 1 ]; }
out=`admin 'ublk:add --help'`
check "ublk:add --help: its options and every target type's own, with their help" \
    contains "${out}" "^SYNTAX" "--recovery MODE .*fail-io" "-s, --size SIZE .*disk size" "-f, --file PATH .*(required)"
out=`admin 'ublk:add loop --help'`
check "ublk:add loop --help: loop's options only" \
    sh -c 'printf "%s\n" "$0" | grep -q -e "--offset BYTES" && ! printf "%s\n" "$0" | grep -q -e "--size"' "${out}"
out=`admin 'ublk:list --help'`
check "ublk:list --help: -n ID and --json" contains "${out}" "-n, --number ID" "--json"
out=`admin 'ublk:list -v'`
check "ublk:list -v: one line (${out})" one_line "${out}"
check "ublk:list -v: says which option" contains "${out}" "unknown option -v"
out=`admin 'ublk:add nosuch'`
check "ublk:add nosuch: one line (${out})" one_line "${out}"
check "ublk:add nosuch: names the types there are" contains "${out}" "unknown target type .nosuch. (available: .*null"
out=`admin 'ublk:list --json'`
if [ -e /dev/ublk-control ]; then
    check "ublk:list --json: a JSON array" contains "`printf '%s\n' "${out}" | head -n 1`" "^\["
else
    check "ublk:list --json without the ublk driver: one line (${out})" one_line "${out}"
    check "ublk:list --json without the ublk driver: says so" contains "${out}" "cannot list ublk devices: .*driver is not loaded"
fi

# ---- RBAC: a key user with the viewer role only --------------------------------------------------------
: > "${work}/viewer.props"
"${JAVA_HOME:-`ls -d /usr/lib/jvm/*25* | tail -n 1`}/bin/java" "${home}/lib/jublk/AdminKey.java" \
    "${work}/viewer.key" "${work}/viewer.props" viewer
echo "viewer = `cut -d' ' -f2 "${work}/viewer.key.pub"`,_g_:viewergroup" >> "${home}/etc/keys.properties"
check "viewer logs in with the viewer role only" \
    sh -c 'echo "$0" | grep -qx "viewer *" && ! echo "$0" | grep -qx "admin *"' "`viewer 'jaas:whoami -r'`"
check "viewer may list bundles, also in a pipe" \
    [ "`viewer 'bundle:list -t 0 | grep jublk' | grep -c 'jublk ::'`" -ge 7 ]
out=`viewer 'bundle:stop jublk-target-null'`
check "viewer may not stop a bundle (${out})" \
    sh -c 'echo "$0" | grep -q "Command not found" && [ "$1" = Active ]' "${out}" "`bundle_state jublk-target-null`"

# The ublk: commands (etc/org.apache.karaf.command.acl.ublk.cfg): the viewer may look, not change. A
# refused command does not exist for the viewer, so it is refused before it reaches the ublk driver (or
# its absence: on a machine without it, an allowed command answers that the driver is missing).
not_found() { contains "$1" "Command not found: ublk:$2"; }
out=`viewer 'ublk:targets'`
check "viewer may run ublk:targets (${out})" contains "${out}" "null"
for cmd in 'ublk:list' 'ublk:list --json' 'ublk:features' 'ublk:stat' 'ublk:stat -i 1 -c 1'; do
    out=`viewer "${cmd}"`
    check "viewer may run ${cmd} (${out})" sh -c '! printf "%s\n" "$0" | grep -q -e "Command not found" -e "Insufficient"' "${out}"
done
for cmd in 'ublk:add null' 'ublk:add null -n 7 --size 1M' 'ublk:del -a' 'ublk:del -n 0' 'ublk:recover -n 0' \
        "ublk:qcow2-create -s 1M ${work}/viewer.qcow2" "ublk:qcow2-check ${home}/etc/admin.key" 'ublk:resize -n 0 2G'; do
    name=`echo "${cmd}" | cut -d' ' -f1 | cut -d: -f2`
    out=`viewer "${cmd}"`
    check "viewer may not run ${cmd} (${out})" not_found "${out}" "${name}"
done
check "the viewer's ublk:qcow2-create made no file" [ ! -e "${work}/viewer.qcow2" ]
admin "ublk:qcow2-create -s 1M ${work}/admin.qcow2" > "${work}/qcow2-create.out"
check "the admin may run ublk:qcow2-create" [ -s "${work}/admin.qcow2" ]

# ---- etc/io.jublk.core.cfg: applied on change; a bad file is one WARN line and changes nothing -----------
core_cfg="${home}/etc/io.jublk.core.cfg"
log_has() { # log_has PATTERN: within 15 s, data/log/karaf.log has a line matching PATTERN
    for _i in `seq 1 15`; do grep -q -e "$1" "${home}/data/log/karaf.log" && return 0; sleep 1; done; return 1
}
printf 'queues = 3\ndepth = 64\n' >> "${core_cfg}"
check "io.jublk.core.cfg: a change applies at once (queues 3, depth 64 in the log)" \
    log_has 'io.jublk.core: CoreConfig\[recovery=REISSUE, queues=3, depth=64'
printf 'queues = three\ncolour = red\n' >> "${core_cfg}"
check "io.jublk.core.cfg: a bad file is one WARN line naming the key" log_has 'WARN .*io.jublk.core .*unknown key(s) \[colour\]'
check "io.jublk.core.cfg: ... one line, no stack trace" \
    [ -z "`grep -A1 'unknown key(s) \[colour\]' "${home}/data/log/karaf.log" | sed -n 2p | grep '^[[:space:]]'`" ]
out=`admin 'ublk:targets'`
check "io.jublk.core.cfg: after a bad file the ublk: commands still work" contains "${out}" "^null:"

# ---- JMX: the counters MBean is published for Karaf's JMX whiteboard --------------------------------------
out=`admin 'service:list javax.management.DynamicMBean'`
check "the counters MXBean is published (jmx.objectname = io.jublk:type=Counters)" \
    contains "${out}" "jmx.objectname = io.jublk:type=Counters"

# ---- Prometheus endpoint (metricsPort in io.jublk.core.cfg), and the Grafana dashboard's metric names ---------
metrics_port=19105
printf 'metricsPort = %s\n' "${metrics_port}" > "${core_cfg}"
check "metricsPort set: the endpoint starts at once" log_has "metrics for Prometheus at http://127.0.0.1:${metrics_port}/metrics"
metrics=`curl -s --max-time 5 "http://127.0.0.1:${metrics_port}/metrics"`
check "GET /metrics: Prometheus text (# TYPE jublk_requests_total counter)" \
    contains "${metrics}" "^# TYPE jublk_requests_total counter"
hex_port=`printf '%04X' "${metrics_port}"`
maddrs=`cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="${hex_port}" '$4 == "0A" { split($2, a, ":"); if (a[2] == p) print a[1] }' | sort -u | tr '\n' ' '`
check "the metrics endpoint listens on loopback only (${maddrs})" \
    sh -c '[ -n "$0" ] && for a in $0; do case "$a" in 0100007F|0000000000000000FFFF00000100007F) ;; *) exit 1 ;; esac; done' "${maddrs}"
# a histogram's series are NAME_bucket, NAME_sum and NAME_count
served=`printf '%s\n' "${metrics}" | awk '$1 == "#" && $2 == "TYPE" { print $3; if ($4 == "histogram") { print $3 "_bucket"; print $3 "_sum"; print $3 "_count" } }' | sort -u`
asked=`grep -o 'jublk_[a-z_]*' "${home}/lib/jublk/grafana/jublk-dashboard.json" | sort -u`
missing=`for n in ${asked}; do printf '%s\n' "${served}" | grep -qx "$n" || echo "$n"; done`
check "every metric the Grafana dashboard asks for is served (${asked:-none found}; missing: ${missing:-none})" \
    sh -c '[ -n "$0" ] && [ -z "$1" ]' "${asked}" "${missing}"
printf 'metricsPort = 0\n' > "${core_cfg}"
stopped=no
for i in `seq 1 15`; do curl -s --max-time 2 "http://127.0.0.1:${metrics_port}/metrics" > /dev/null || { stopped=yes; break; }; sleep 1; done
check "metricsPort = 0: the endpoint stops" [ "${stopped}" = yes ]

# ---- etc/io.jublk.device-NAME.cfg: declared devices; bad files are one WARN line each, nothing made ---------
printf 'id = 4001\n' > "${home}/etc/io.jublk.device-notype.cfg"
printf 'id = 4002\ntype = null\nsize = 1G\n' > "${home}/etc/io.jublk.device-unknownkey.cfg"
printf 'id = many\ntype = null\n' > "${home}/etc/io.jublk.device-wrongtype.cfg"
check "declared device without a type: one WARN line" log_has 'WARN .*declared device notype: type is missing'
check "declared device with an unknown key: one WARN line" log_has 'WARN .*declared device unknownkey: unknown key(s) \[size\]'
check "declared device with a wrong type: one WARN line" log_has 'WARN .*declared device wrongtype: id must be an integer'
printf 'id = 4003\ntype = null\noption.size = 1M\n' > "${home}/etc/io.jublk.device-good.cfg"
if [ -e /dev/ublk-control ]; then
    check "a declared device is made" log_has 'declared device good: ublk device 4003 made'
else
    check "a declared device without the ublk driver: one WARN line" \
        log_has 'WARN .*declared device good: ublk device 4003 not made: .*driver is not loaded'
fi
rm -f "${home}/etc/io.jublk.device-"*.cfg
out=`admin 'ublk:targets'`
check "after bad declared files the ublk: commands still work" contains "${out}" "^null:"

# ---- deploy/ ------------------------------------------------------------------------------------------
mkdir -p "${work}/bundle/META-INF"
printf 'Manifest-Version: 1.0\nBundle-ManifestVersion: 2\nBundle-SymbolicName: jublk.smoke.deployed\nBundle-Version: 1.0.0\nBundle-Name: jublk smoke deployed\n' \
    > "${work}/bundle/META-INF/MANIFEST.MF"
(cd "${work}/bundle" && "${JAVA_HOME:-`ls -d /usr/lib/jvm/*25* | tail -n 1`}/bin/jar" --create --file ../deployed.jar --manifest META-INF/MANIFEST.MF)
cp "${work}/deployed.jar" "${home}/deploy/"
state=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    state=`bundle_state jublk.smoke.deployed`
    [ "${state}" = Active ] && break
    sleep 1
done
check "a bundle copied into deploy/ is installed and Active (${state:-absent})" [ "${state}" = Active ]
check "etc/, data/ and deploy/ are not writable by group or others" \
    sh -c 'for d in etc data deploy; do [ -z "`find "$0/$d" -maxdepth 0 -perm /022`" ] || exit 1; done' "${home}"
check "no password user in etc/users.properties" \
    sh -c '! grep -v "^ *#" "$0/etc/users.properties" | grep -v "^_g_" | grep -q "="' "${home}"

# ---- errors in the log (warnings are shown, not judged) ----------------------------------------------------
grep -E '\| WARN ' "${home}/data/log/karaf.log" | cut -c1-300 | sed 's/^/# /'
errors=`grep -cE '\| ERROR ' "${home}/data/log/karaf.log"`
check "no ERROR in data/log/karaf.log (${errors})" [ "${errors}" = 0 ]
if [ ! -e /dev/ublk-control ]; then
    # said once at start, in the words every command uses (the old server said nothing until a command failed)
    check "one WARN at start says the kernel's ublk driver is not loaded" \
        [ "`grep -cE "\| WARN .*\| DriverCheck .*no /dev/ublk-control: the kernel's ublk driver is not loaded" "${home}/data/log/karaf.log"`" = 1 ]
fi

# ---- devices first: SCR at the core's level, and the start gate (lib/jublk-start-gate.jar) -----------------
# level_of NAME: the start level of a bundle (by symbolic name)
level_of() { admin "bundle:list -t 0 $1" | awk -F'|' '$1 ~ /^ *[0-9]+ *$/ { gsub(/ /, "", $3); print $3 }'; }
gate_state() { admin 'system:property jublk.startgate'; }
framework_level() { admin 'system:start-level' | awk '/^Level/ { print $2 }'; }
check "SCR (org.apache.felix.scr) and the core start at level 25 (`level_of org.apache.felix.scr`, `level_of jublk-core`), feature scr Started" \
    sh -c '[ "$0" = 25 ] && [ "$1" = 25 ] && echo "$2" | grep -q "^scr .*Started"'     "`level_of org.apache.felix.scr`" "`level_of jublk-core`" "`admin 'feature:list -i'`"
check "a bundle copied into deploy/ gets the core's level 25 (`level_of jublk.smoke.deployed`)" \
    [ "`level_of jublk.smoke.deployed`" = 25 ]
out=`gate_state`
# Which of the two opens it is a race: the features service installs and starts the core at first start while
# Felix climbs to 25; either way at once (0 devices), never on the time-out.
check "first start: the gate opened at once, on no core at level 25 or on its 0 of 0 devices (${out})" \
    contains "${out}" "\\(no active jublk-core bundle at start level 25 \\|the jublk core has served its recorded devices again (0 of 0)\\).*start level 25 -> 100"
check "first start: the framework at level 100 (`framework_level`)" [ "`framework_level`" = 100 ]
# restart_server HOW: kill -9 or bin/stop, then bin/start with a fresh karaf.log; waits for the framework's level 100
restart_server() {
    if [ "$1" = kill ]; then kill -9 "`server_pid`"; else "${home}/bin/stop" > /dev/null 2>&1; fi
    for i in `seq 1 30`; do [ -z "`server_pid`" ] && break; sleep 1; done
    mv "${home}/data/log/karaf.log" "${home}/data/log/karaf.log.before-$1-`date +%s`"
    "${home}/bin/start" > /dev/null 2>&1
    for i in `seq 1 120`; do [ "`framework_level 2>/dev/null`" = 100 ] && return 0; sleep 1; done
    return 1
}
check "restart after kill -9: the server is back" restart_server kill
out=`gate_state`
check "restart: the gate opened when the core said its devices were recovered, at level 25 (${out})" \
    contains "${out}" "the jublk core has served its recorded devices again (0 of 0); start level 25 -> 100"
check "restart: the framework at level 100 (`framework_level`)" [ "`framework_level`" = 100 ]
# What logged before the gate opened (lines carry "| ID - name - version |"): bundles of level 25 or below only.
levels=`admin 'bundle:list -t 0' | awk -F'|' '$1 ~ /^ *[0-9]+ *$/ { gsub(/ /, "", $1); gsub(/ /, "", $3); print $1, $3 }'`
early=`sed -n '1,/jublk start gate: /p' "${home}/data/log/karaf.log" | awk -F'|' 'NF > 5 { split($5, b, " - "); gsub(/ /, "", b[1]); print b[1] }' | sort -un | tr '\n' ' '`
above=`for id in ${early}; do printf '%s\n' "${levels}" | awk -v id="${id}" '$1 == id && $2 > 25 { print $1 }'; done`
check "restart: nothing above level 25 logged before the gate opened (bundles that did: ${early:-none}; above 25: ${above:-none})" \
    sh -c '[ -n "$0" ] && [ -z "$1" ] && grep -q "devices recovered: " "$2"' "${early}" "${above}" "${home}/data/log/karaf.log"
admin 'bundle:stop jublk-core' > /dev/null
check "restart with the core stopped: the server is back" restart_server stop
out=`gate_state`
check "restart with the core stopped: the gate opened at once (${out})" \
    contains "${out}" "no active jublk-core bundle at start level 25 .*start level 25 -> 100"
admin 'bundle:start jublk-core' > /dev/null
check "the core started again (`bundle_state jublk-core`)" [ "`bundle_state jublk-core`" = Active ]

# ---- stop -----------------------------------------------------------------------------------------------
stop_and_report
