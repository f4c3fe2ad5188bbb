# Sourced by the distribution tests (smoke.sh, cli.sh): finds the distribution, unpacks it into a
# temporary copy, and keeps the ok/not ok tally. The sourcing script sets test_name first and passes its
# first argument on; afterwards ${work} is the temporary folder and ${home} the copy's KARAF_HOME.

dist="${1:-}"
if [ -z "${dist}" ]; then
    dist=`ls "${here}"/../../target/jublk-karaf-*.tar.gz 2>/dev/null | head -n 1`
fi
[ -n "${dist}" ] && [ -e "${dist}" ] || { echo "${test_name}: no distribution given or built (mvn -B install)" >&2; exit 2; }

work=`mktemp -d "/tmp/jublk-${test_name}.XXXXXX"`
if [ -d "${dist}" ]; then
    cp -a "${dist}" "${work}/dist" || exit 2
    home="${work}/dist"
else
    tar xzf "${dist}" -C "${work}" || exit 2
    home=`ls -d "${work}"/jublk-karaf-*/ | head -n 1`
    home="${home%/}"
fi

passed=0
failed=0
ok()     { passed=$((passed + 1)); printf "ok - %s\n" "$*"; }
not_ok() { failed=$((failed + 1)); printf "not ok - %s\n" "$*"; }
check()  { # check DESCRIPTION COMMAND...: ok if the command succeeds
    description="$1"; shift
    if "$@"; then ok "${description}"; else not_ok "${description}"; fi
}
server_pid() { # the Karaf JVM of this distribution, if running (Karaf writes karaf.pid at start)
    pid=`cat "${home}/karaf.pid" 2>/dev/null`
    [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null && echo "${pid}"
}
stop_and_report() { # the last step of a test: bin/stop must stop the server; then the tally and the status
    "${home}/bin/stop" > "${work}/stop.out" 2>&1
    gone=no
    for i in `seq 1 30`; do
        [ -z "`server_pid`" ] && { gone=yes; break; }
        sleep 1
    done
    check "bin/stop stops the server" [ "${gone}" = yes ]
    echo "${passed} passed, ${failed} failed"
    [ "${failed}" = 0 ]
}
