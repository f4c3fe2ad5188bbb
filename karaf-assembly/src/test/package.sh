#!/bin/sh
#
# Test of the Debian package (target/jublk_*_all.deb) and its systemd unit, natively on this machine.
#
#   karaf-assembly/src/test/package.sh [DEB]
#
# Checks the package's control data and layout (/opt/jublk, /etc/jublk and /var/lib/jublk through the
# distribution's etc and data symlinks, /usr/sbin/ublk, the unit, conffiles), runs "systemd-analyze
# verify" on the unit (when systemd-analyze is there; against a unit with a missing ExecStart too, to
# know it looks), then installs the package with dpkg in a private mount namespace (overlays over /etc,
# /opt, /usr and /var, so nothing on this machine changes) and there: ublk list without a server, the
# unit's ExecStart serving the ublk: commands, the server's data in /var/lib/jublk and its key in
# /etc/jublk, bin/stop, dpkg --purge. Needs root, dpkg, unshare and ssh for the install part (skipped
# otherwise), and a free port 8101. In between, package-chroot.sh installs it with apt in a clean Debian
# (debootstrap; skipped if the mirror is unreachable). Prints "ok"/"not ok" lines and "N passed, N failed".

set -u
here=`cd "$(dirname "$0")" && pwd`
deb="${1:-`ls -t "${here}"/../../target/jublk_*_all.deb 2>/dev/null | head -n 1`}"  # the newest
[ -n "${deb}" ] && [ -e "${deb}" ] || { echo "package: no package given or built (mvn -pl karaf-assembly -am package)" >&2; exit 2; }
deb=`cd "$(dirname "${deb}")" && pwd`/`basename "${deb}"`

passed=0
failed=0
ok()     { passed=$((passed + 1)); printf "ok - %s\n" "$*"; }
not_ok() { failed=$((failed + 1)); printf "not ok - %s\n" "$*"; }
check()  { description="$1"; shift; if "$@"; then ok "${description}"; else not_ok "${description}"; fi; }

work=`mktemp -d /tmp/jublk-package.XXXXXX`
trap '[ "${KEEP:-0}" = 1 ] || rm -rf "${work}"' EXIT
root="${work}/root"
dpkg-deb -x "${deb}" "${root}" || exit 2
dpkg-deb -e "${deb}" "${work}/control" || exit 2
unit="${root}/lib/systemd/system/jublk.service"

# ---- what the package holds -----------------------------------------------------------------------------------
check "control: package jublk, architecture all" \
    sh -c 'grep -qx "Package: jublk" "$0" && grep -qx "Architecture: all" "$0"' "${work}/control/control"
check "control: depends on liburing2 and openssh-client" \
    sh -c 'grep "^Depends:" "$0" | grep -q liburing2 && grep "^Depends:" "$0" | grep -q openssh-client' "${work}/control/control"
check "/opt/jublk/bin/karaf and bin/ublk are executable" [ -x "${root}/opt/jublk/bin/karaf" -a -x "${root}/opt/jublk/bin/ublk" ]
check "/opt/jublk/etc is a link to /etc/jublk" [ "`readlink "${root}/opt/jublk/etc"`" = /etc/jublk ]
check "/opt/jublk/data is a link to /var/lib/jublk" [ "`readlink "${root}/opt/jublk/data"`" = /var/lib/jublk ]
check "/usr/sbin/ublk is a link to /opt/jublk/bin/ublk" [ "`readlink "${root}/usr/sbin/ublk"`" = /opt/jublk/bin/ublk ]
check "/etc/jublk holds the configuration (etc/org.apache.karaf.shell.cfg)" [ -f "${root}/etc/jublk/org.apache.karaf.shell.cfg" ]
check "/var/lib/jublk is root's only" [ "`stat -c %a "${root}/var/lib/jublk"`" = 700 ]
check "the server-less CLI is there (lib/jublk/cli/jublk-cli.jar)" [ -f "${root}/opt/jublk/lib/jublk/cli/jublk-cli.jar" ]
check "conffiles: /etc/jublk/* and /etc/default/jublk" \
    sh -c 'grep -qx /etc/jublk/org.apache.karaf.shell.cfg "$0" && grep -qx /etc/default/jublk "$0"' "${work}/control/conffiles"

# ---- the unit ---------------------------------------------------------------------------------------------------
for setting in "ExecStart=/opt/jublk/bin/karaf daemon" "Restart=on-failure" "LimitMEMLOCK=infinity" \
    "OOMScoreAdjust=-900" "Before=local-fs-pre.target shutdown.target" "DefaultDependencies=no"; do
    check "jublk.service: ${setting}" grep -qx -- "${setting}" "${unit}"
done
if command -v systemd-analyze >/dev/null; then
    out=`systemd-analyze verify --root="${root}" /lib/systemd/system/jublk.service 2>&1`; rc=$?
    check "systemd-analyze verify accepts jublk.service (exit ${rc}) ${out}" sh -c '[ "$0" = 0 ] && [ -z "$1" ]' "${rc}" "${out}"
    sed 's|^ExecStart=.*|ExecStart=/opt/jublk/bin/no-such-command|' "${unit}" > "${root}/lib/systemd/system/jublk-broken.service"
    systemd-analyze verify --root="${root}" /lib/systemd/system/jublk-broken.service > /dev/null 2>&1; rc=$?
    check "systemd-analyze verify refuses a unit with a missing ExecStart (exit ${rc}): it does look" [ "${rc}" != 0 ]
    rm -f "${root}/lib/systemd/system/jublk-broken.service"
else
    echo "# systemd-analyze not found: the unit is not verified"
fi

# ---- installed with apt, in a clean Debian (debootstrap) ---------------------------------------------------------
"${here}/package-chroot.sh" "${deb}" "${work}/clean" > "${work}/clean.out" 2>&1
grep -v '^[0-9]* passed, [0-9]* failed$' "${work}/clean.out"
counts=`tail -n 1 "${work}/clean.out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p'`
if [ -n "${counts}" ]; then
    passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
else
    not_ok "package-chroot.sh ended without its tally"
fi

# ---- installed with dpkg, in a private mount namespace ----------------------------------------------------------
if [ "`id -u`" != 0 ] || ! command -v unshare >/dev/null || ! command -v dpkg >/dev/null || ! command -v ssh >/dev/null; then
    echo "# not root, or no unshare, dpkg or ssh: the package is not installed"
    echo "${passed} passed, ${failed} failed"
    [ "${failed}" = 0 ]
    exit
fi
exec_start=`sed -n 's/^ExecStart=//p' "${unit}"`
cat > "${work}/installed.sh" <<INSTALLED
set -u
for d in etc opt usr var; do
    mkdir -p "${work}/ov/\${d}/upper" "${work}/ov/\${d}/work"
    mount -t overlay overlay -o "lowerdir=/\${d},upperdir=${work}/ov/\${d}/upper,workdir=${work}/ov/\${d}/work" "/\${d}" \
        || { echo "no-overlay"; exit 2; }   # never dpkg -i on the machine itself
done
# postinst: no systemd here to talk to
mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd || { echo "no-overlay"; exit 2; }
dpkg -i "${deb}" > "${work}/dpkg-i.out" 2>&1; echo "dpkg-i \$?"
cd /
/usr/sbin/ublk list > "${work}/list.out" 2> "${work}/list.err"; echo "list \$?"
[ ! -e /opt/jublk/karaf.pid ]; echo "no-server-started \$?"
${exec_start} > "${work}/server.out" 2>&1 &
JUBLK_START_TIMEOUT=240 /usr/sbin/ublk targets > "${work}/targets.out" 2> "${work}/targets.err"; echo "targets \$?"
[ -f /var/lib/jublk/log/karaf.log ]; echo "log-in-var-lib \$?"
[ -f /etc/jublk/admin.key ]; echo "key-in-etc \$?"
/opt/jublk/bin/stop > /dev/null 2>&1
for i in \`seq 1 60\`; do kill -0 \$! 2>/dev/null || break; sleep 1; done
kill -0 \$! 2>/dev/null && { echo "bin-stop-failed"; kill \$!; }   # as systemd would: TERM
wait \$!; echo "server-ended \$?"
dpkg --purge jublk > "${work}/dpkg-purge.out" 2>&1; echo "dpkg-purge \$?"
[ ! -e /opt/jublk/bin ] && [ ! -e /etc/jublk ] && [ ! -e /var/lib/jublk ] && [ ! -e /usr/sbin/ublk ]; echo "all-gone \$?"
INSTALLED
unshare -m --propagation private sh "${work}/installed.sh" > "${work}/results" 2>&1
result() { sed -n "s/^$1 //p" "${work}/results"; }
if grep -qx no-overlay "${work}/results" || [ ! -s "${work}/results" ]; then
    echo "# no private mount namespace with overlays here: the package is not installed (`head -n 3 "${work}/results"`)"
    echo "${passed} passed, ${failed} failed"
    [ "${failed}" = 0 ]
    exit
fi
check "dpkg -i installs it (exit `result dpkg-i`)" [ "`result dpkg-i`" = 0 ]
if [ -e /dev/ublk-control ]; then
    check "/usr/sbin/ublk list with no server: exit `result list`" [ "`result list`" = 0 ]
else
    check "/usr/sbin/ublk list with no server: says the driver is missing, exit `result list`: `cat "${work}/list.err"`" \
        sh -c '[ "$0" = 1 ] && grep -q "driver is not loaded" "$1"' "`result list`" "${work}/list.err"
fi
check "... and starts none" [ "`result no-server-started`" = 0 ]
check "the unit's ExecStart (${exec_start}) serves the ublk: commands: ublk targets exit `result targets` `cat "${work}/targets.err"`" \
    sh -c '[ "$0" = 0 ] && grep -q "^null: " "$1"' "`result targets`" "${work}/targets.out"
check "the server's data is in /var/lib/jublk (log/karaf.log)" [ "`result log-in-var-lib`" = 0 ]
check "its admin key is in /etc/jublk" [ "`result key-in-etc`" = 0 ]
check "bin/stop ends the ExecStart process (exit `result server-ended`: 0 or 143)" \
    sh -c '[ "$0" = 0 ] || [ "$0" = 143 ]' "`result server-ended`"
check "dpkg --purge removes it (exit `result dpkg-purge`)" [ "`result dpkg-purge`" = 0 ]
check "... /opt/jublk, /etc/jublk, /var/lib/jublk and /usr/sbin/ublk are gone" [ "`result all-gone`" = 0 ]
[ "${failed}" = 0 ] || { echo "# installed.sh said:"; sed 's/^/#   /' "${work}/results"; tail -n 5 "${work}/dpkg-i.out" "${work}/server.out" 2>/dev/null | sed 's/^/#   /'; }
echo "${passed} passed, ${failed} failed"
[ "${failed}" = 0 ]
