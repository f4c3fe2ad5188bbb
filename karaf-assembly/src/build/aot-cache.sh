#!/bin/sh
# aot-cache.sh ASSEMBLY: makes ASSEMBLY/lib/jublk/jublk.aot, the JDK's AOT cache (JEP 483/514/515) of the server's
# classes, Karaf's launcher, Felix and the bundles' classes included: loaded, verified and linked already, with the
# method profiles of a start. bin/setenv hands it to the server JVM (-XX:AOTCache), which starts faster with it and
# without it (another JDK build, a damaged file) as before.
# The cache comes from a training run of a copy of the distribution: a first start (features resolved and
# installed, as at an installation), bin/stop, and a second start with -XX:AOTCacheOutput, where the server reaches
# "devices recovered" and answers ublk: commands over ssh (the path of a restarted server and of bin/ublk), then
# bin/stop, at which the JVM writes the cache. -XX:-ClassUnloading in that run only: with class unloading (pax-logging
# and Felix drop class loaders at stop) Temurin 25.0.3 crashed writing it (SIGSEGV in Method::metaspace_pointers_do,
# karaf-assembly README). Native only (no ublk driver needed). Ports: free ones of this machine, so that it runs
# beside other servers. Fails the build when no cache comes out (after a second try).
set -eu
assembly=`cd "$1" && pwd`
out="${assembly}/lib/jublk/jublk.aot"
timeout_s="${JUBLK_AOT_TIMEOUT:-180}"
: "${JAVA_HOME:?aot-cache: JAVA_HOME must name the JDK 25 the distribution is built with}"
export JAVA_HOME
unset JAVA_OPTS EXTRA_JAVA_OPTS KARAF_OPTS

work=`mktemp -d /tmp/jublk-aot-cache.XXXXXX`
home="${work}/dist"
pid=""
cleanup() {
    [ -z "${pid}" ] || kill -9 "${pid}" 2>/dev/null || true
    rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

listening() { # listening PORT: is anything listening on this TCP port (any address)?
    awk -v p="`printf '%04X' "$1"`" '$4 == "0A" { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
free_base() { # three consecutive free ports
    for base in `seq 28100 10 28990`; do
        listening "${base}" || listening $((base + 1)) || listening $((base + 2)) || { echo "${base}"; return; }
    done
    echo "aot-cache: no free port between 28100 and 29000" >&2; exit 1
}
server_pid() { pgrep -f -- "-Dkaraf.home=${home} " | head -n 1 || true; }
now() { date +%s; }

# start_and_wait: bin/start, then wait for the core's "devices recovered" line and ublk:list answering over ssh
start_and_wait() {
    rm -f "${home}/data/log/karaf.log"
    "${home}/bin/start" > "${work}/start.out" 2>&1
    t0=`now`
    while :; do
        [ $((`now` - t0)) -lt "${timeout_s}" ] || { echo "aot-cache: the training server did not come up in ${timeout_s} s" >&2
            tail -n 20 "${home}/data/log/karaf.log" >&2 2>/dev/null || true; return 1; }
        if grep -q 'devices recovered: ' "${home}/data/log/karaf.log" 2>/dev/null && [ -z "${ssh}" ]; then
            sleep 10; break   # no ssh client: the console's classes come in as far as the server loads them alone
        fi
        if grep -q 'devices recovered: ' "${home}/data/log/karaf.log" 2>/dev/null && [ -r "${home}/etc/admin.key" ]; then
            o=`timeout 20 "${ssh}" -p "${port}" -i "${home}/etc/admin.key" -o BatchMode=yes -o StrictHostKeyChecking=no \
                -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 karaf@127.0.0.1 \
                'ublk:targets; ublk:list' 2>&1 || true`
            case "${o}" in *null*) break ;; esac
        fi
        sleep 0.5
    done
    pid=`server_pid`
}
stop_and_wait() { # bin/stop (its own JVM without the training options), and wait for the server JVM and the cache
    env -u EXTRA_JAVA_OPTS "${home}/bin/stop" > /dev/null 2>&1 || true
    t0=`now`
    while [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null; do
        [ $((`now` - t0)) -lt "${timeout_s}" ] || { echo "aot-cache: the training server did not stop" >&2; return 1; }
        sleep 0.2
    done
    pid=""
}

# The cache is valid only with class path jars of the mtime they had at training; Karaf's tar and zip stamp every
# file with the time of packing, so the jars get a fixed one here, and bin/setenv gives them that one again.
jar_time=946684800
touch -m -d "@${jar_time}" "${assembly}"/lib/boot/*.jar "${assembly}"/lib/jdk9plus/*.jar "${assembly}"/lib/endorsed/*.jar

ssh=`command -v ssh || true`
[ -n "${ssh}" ] || echo "aot-cache: no ssh client: the training run does not answer ublk: commands (install openssh-client)" >&2

train() {
    rm -rf "${home}" "${out}" "${out}.jdk"
    cp -a "${assembly}" "${home}"
    base=`free_base`; port="${base}"
    sed -i "s/^sshPort *=.*/sshPort = ${port}/" "${home}/etc/org.apache.karaf.shell.cfg"
    sed -i "s/^rmiRegistryPort *=.*/rmiRegistryPort = $((port + 1))/; s/^rmiServerPort *=.*/rmiServerPort = $((port + 2))/" \
        "${home}/etc/org.apache.karaf.management.cfg"
    start_and_wait && stop_and_wait || return 1
    EXTRA_JAVA_OPTS="-XX:AOTCacheOutput=${out} -XX:-ClassUnloading"; export EXTRA_JAVA_OPTS
    start_and_wait && stop_and_wait || { unset EXTRA_JAVA_OPTS; return 1; }
    unset EXTRA_JAVA_OPTS
    [ -s "${out}" ] || { echo "aot-cache: no cache written" >&2; ls "${home}"/hs_err_pid*.log >&2 2>/dev/null || true; return 1; }
}

train || { echo "aot-cache: trying once more" >&2; train; } || { rm -f "${out}"; exit 1; }
# the JDK build it belongs to, as bin/setenv's jublk_jdk_id reads it: with another JDK the server does without it
grep -E '^(IMPLEMENTOR|JAVA_RUNTIME_VERSION|JVM_VERSION|BUILD_SOURCE)=' "${JAVA_HOME}/release" | sort | tr '\n' ' ' > "${out}.jdk"
[ -s "${out}.jdk" ] || { echo "aot-cache: no version in ${JAVA_HOME}/release" >&2; rm -f "${out}"; exit 1; }
chmod 444 "${out}" "${out}.jdk"
echo "aot-cache: ${out}: `du -m "${out}" | cut -f1` MB, `"${JAVA_HOME}/bin/java" -version 2>&1 | sed -n 2p`"
