# Sourced by the distribution tests: the jublk unit's commands run as systemd runs them, where systemd is not
# PID 1 (the ublk VM boots none). Everything comes from the unit file; nothing of it is re-typed here.
#   unit_load FILE       reads the unit's [Service] settings (fails, with one line, on one it cannot honour)
#   unit_start DIST [VAR=VALUE]...
#                        "systemctl start": ExecStart= in the background, in its own session (the unit's
#                        cgroup), stdin /dev/null, with systemd's clean environment (its PATH, the VAR=VALUE
#                        pairs as a drop-in's Environment=, then EnvironmentFile=), LimitMEMLOCK=,
#                        LimitNOFILE= and OOMScoreAdjust=. DIST is bound where the unit expects the package
#                        (ExecStart's /opt/jublk) in a private mount namespace, so the unit's own paths run
#                        the distribution under test. Sets unit_pid, the main process; output in unit_log.
#   unit_stop [PID]      "systemctl stop": ExecStop= if any, then KillSignal= to the main process's group, and
#                        SIGKILL after TimeoutStopSec=. PID: a server the unit did not start (then only that
#                        process is signalled). Sets unit_status (the exit status, for unit_pid), unit_clean
#                        (yes if 0 or in SuccessExitStatus=) and unit_killed (yes if SIGKILL was needed).
# Needs root, util-linux (setsid, unshare, prlimit) and mount.

unit_get() { # unit_get KEY [DEFAULT]: the last KEY= of the [Service] section
    awk -v k="$1" -v d="${2:-}" '/^\[/ { s = ($0 == "[Service]") }
        s && index($0, k "=") == 1 { v = substr($0, length(k) + 2) } END { print (v == "" ? d : v) }' "${unit_file}"
}

unit_seconds() { # unit_seconds VALUE: systemd's time span (N, Ns, Nmin) in seconds
    case "$1" in
        *min) [ "${1%min}" -ge 0 ] 2>/dev/null && echo $(( ${1%min} * 60 )) ;;
        *s) [ "${1%s}" -ge 0 ] 2>/dev/null && echo "${1%s}" ;;
        *) [ "$1" -ge 0 ] 2>/dev/null && echo "$1" ;;
    esac
}

unit_load() {
    unit_file="$1"
    [ -r "${unit_file}" ] || { echo "unitlib: no unit file ${unit_file}" >&2; return 1; }
    unit_exec_start=`unit_get ExecStart`
    unit_exec_stop=`unit_get ExecStop`
    unit_type=`unit_get Type simple`
    unit_env_file=`unit_get EnvironmentFile`
    unit_memlock=`unit_get LimitMEMLOCK`
    unit_nofile=`unit_get LimitNOFILE`
    unit_oom=`unit_get OOMScoreAdjust`
    unit_kill_signal=`unit_get KillSignal SIGTERM`
    unit_success=`unit_get SuccessExitStatus`
    unit_timeout=`unit_seconds "\`unit_get TimeoutStopSec 90\`"` \
        || { echo "unitlib: TimeoutStopSec=`unit_get TimeoutStopSec` is not a time span this runner reads" >&2; return 1; }
    case "${unit_exec_start}" in
        /*) ;;
        *) echo "unitlib: ExecStart=${unit_exec_start}: only a plain absolute command is run here" >&2; return 1 ;;
    esac
    [ "${unit_type}" = simple ] || { echo "unitlib: Type=${unit_type}: only Type=simple is run here" >&2; return 1; }
    # the package's prefix, as ExecStart names it: /opt/jublk of /opt/jublk/bin/karaf
    unit_prefix="${unit_exec_start%% *}"
    unit_prefix="${unit_prefix%/bin/*}"
}

unit_limit() { # unit_limit VALUE: systemd's Limit*= value as prlimit takes it
    case "$1" in
        infinity) echo unlimited ;;
        *[!0-9]*) return 1 ;;
        *) echo "$1" ;;
    esac
}

unit_start() {
    local dist="$1" memlock nofile inner
    shift
    memlock=`unit_limit "${unit_memlock:-infinity}"` && nofile=`unit_limit "${unit_nofile:-1024}"` \
        || { echo "unitlib: LimitMEMLOCK=${unit_memlock} or LimitNOFILE=${unit_nofile} is not a plain number" >&2; return 1; }
    unit_log="${unit_log:-`mktemp /tmp/jublk-unit.XXXXXX`}"
    # EnvironmentFile=-FILE: read if it is there; its settings override Environment=
    inner="f='${unit_env_file#-}'; set -a; if [ -r \"\$f\" ]; then . \"\$f\"; elif [ -n \"\$f\" ] && [ '${unit_env_file}' = \"\$f\" ]; then echo \"no \$f\" >&2; exit 1; fi; set +a; unset f"
    # where systemd would fail the start (no CAP_SYS_RESOURCE, as in some containers) this says so and goes on:
    # the callers check the OOM score and the limits the server got
    [ -z "${unit_oom}" ] || inner="${inner}; echo ${unit_oom} 2>/dev/null > /proc/self/oom_score_adj || echo 'unitlib: oom_score_adj not set' >&2"
    for l in "memlock=${memlock}" "nofile=${nofile}"; do
        inner="${inner}; prlimit --pid \$\$ --${l%%=*}=${l#*=}:${l#*=} || echo 'unitlib: ${l%%=*} limit not set' >&2"
    done
    inner="${inner}; exec ${unit_exec_start}"
    # the private namespace: DIST where the package would be (a tmpfs over the parent when that is missing)
    setsid unshare -m --propagation private sh -c '
        prefix="$1"; dist="$2"; shift 2
        if [ ! -d "${prefix}" ]; then
            mount -t tmpfs -o mode=755 tmpfs "${prefix%/*}" && mkdir "${prefix}" || exit 1
        fi
        mount --bind "${dist}" "${prefix}" || exit 1
        exec "$@"' unit "${unit_prefix}" "${dist}" \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" sh -c "${inner}" \
        < /dev/null > "${unit_log}" 2>&1 &
    unit_pid=$!
}

unit_alive() { # a process that has not ended (a zombie has); it may end while this looks
    local state
    state=`sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1`
    [ -n "${state}" ] && [ "${state}" != Z ]
}

unit_stop() {
    local pid="${1:-${unit_pid}}" group i
    group="-${pid}"
    [ "${pid}" = "${unit_pid:-}" ] || group="${pid}"
    [ -z "${unit_exec_stop}" ] || MAINPID="${pid}" sh -c "${unit_exec_stop}"
    kill -s "${unit_kill_signal#SIG}" -- "${group}" 2>/dev/null
    unit_killed=no
    i=0
    while unit_alive "${pid}" && [ "${i}" -lt "${unit_timeout}" ]; do sleep 1; i=$((i + 1)); done
    if unit_alive "${pid}"; then
        kill -s KILL -- "${group}" 2>/dev/null
        unit_killed=yes
    fi
    unit_status=""
    unit_clean=""
    if [ "${pid}" = "${unit_pid:-}" ]; then
        wait "${pid}"
        unit_status=$?
        unit_clean=no
        for s in 0 ${unit_success}; do [ "${s}" = "${unit_status}" ] && unit_clean=yes; done
    else
        for i in `seq 1 10`; do unit_alive "${pid}" || break; sleep 1; done
    fi
}
