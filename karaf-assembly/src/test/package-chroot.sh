#!/bin/sh
#
# The Debian package installed as a user installs it, in a clean Debian made by debootstrap (run by package.sh):
#
#   karaf-assembly/src/test/package-chroot.sh DEB [WORKDIR]
#
# A minimal ${JUBLK_CHROOT_SUITE:-trixie} (debootstrap --variant=minbase); there "apt-get install ./jublk_*.deb"
# takes the dependencies (and the recommended JDK 25) from the archive; the files land where the package says;
# /usr/sbin/ublk runs on the archive's JDK; systemd-analyze verify (the host's) accepts the installed unit;
# "apt-get remove" keeps the configuration and the device records, "apt-get purge" removes them.
# The base system's packages are downloaded once into ${JUBLK_CACHE:-~/.cache/jublk}/debootstrap (a debootstrap
# tarball, remade after 30 days), and so are the packages apt installs; the package lists are fetched each time.
# Skipped, with a line saying so, when the mirror (${JUBLK_DEBIAN_MIRROR:-http://deb.debian.org/debian}) is
# unreachable. Runs in a private mount namespace (its mounts end with it). Needs root, debootstrap (scripts/prereqs),
# unshare and wget. Prints "ok"/"not ok" lines and "N passed, N failed".

set -u
deb="${1:?usage: package-chroot.sh DEB [WORKDIR]}"
if [ -z "${JUBLK_CHROOT_NS:-}" ]; then
    [ "`id -u`" = 0 ] && command -v unshare >/dev/null \
        || { echo "# not root, or no unshare: the package is not installed in a clean Debian"; echo "0 passed, 0 failed"; exit 0; }
    own=""
    work="${2:-}"
    [ -n "${work}" ] || { work=`mktemp -d /tmp/jublk-package-chroot.XXXXXX`; own=yes; }
    JUBLK_CHROOT_NS=1 unshare -m --propagation private sh "$0" "${deb}" "${work}"
    rc=$?
    # only now, the mounts gone: never rm -rf under a bind mount of the cache
    [ -z "${own}" ] || [ "${KEEP:-0}" = 1 ] || rm -rf "${work}"
    exit "${rc}"
fi
work="$2"
mkdir -p "${work}" || exit 2
suite="${JUBLK_CHROOT_SUITE:-trixie}"
mirror="${JUBLK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${JUBLK_CACHE:-${HOME}/.cache/jublk}/debootstrap"
tarball="${cache}/${suite}-minbase.tgz"
r="${work}/chroot"

passed=0
failed=0
ok()     { passed=$((passed + 1)); printf "ok - %s\n" "$*"; }
not_ok() { failed=$((failed + 1)); printf "not ok - %s\n" "$*"; }
check()  { description="$1"; shift; if "$@"; then ok "${description}"; else not_ok "${description}"; return 1; fi; }
finish() { echo "${passed} passed, ${failed} failed"; [ "${failed}" = 0 ]; exit; }
in_chroot() { chroot "${r}" sh -c "cd / && $*"; }
show() { tail -n "$1" "$2" | sed 's/^/#   /'; }

command -v debootstrap >/dev/null || { not_ok "debootstrap is not installed (scripts/prereqs installs it)"; finish; }
if ! wget -q -T 15 -t 2 -O /dev/null "${mirror}/dists/${suite}/InRelease"; then
    echo "# ${mirror} is unreachable: the package is not installed in a clean Debian ${suite} (skipped)"
    finish
fi
mkdir -p "${cache}/archives/partial" || finish
# one run at a time per cache: apt would refuse a second on the cache's lock, and the tarball is made once
exec 9> "${cache}/lock"
flock 9
started=`date +%s`
if [ -z "`find "${tarball}" -mtime -30 2>/dev/null`" ]; then
    debootstrap --variant=minbase --make-tarball="${tarball}.$$" "${suite}" "${work}/tarball-root" "${mirror}" \
        > "${work}/debootstrap-tarball.out" 2>&1 && mv "${tarball}.$$" "${tarball}"
    rm -rf "${tarball}.$$" "${work}/tarball-root"
fi
debootstrap --variant=minbase --unpack-tarball="${tarball}" "${suite}" "${r}" "${mirror}" > "${work}/debootstrap.out" 2>&1
check "debootstrap made a minimal Debian ${suite} (`expr \`date +%s\` - ${started}` s)" [ -x "${r}/usr/bin/apt-get" ] \
    || { show 5 "${work}/debootstrap.out"; finish; }
mount -t proc proc "${r}/proc" && mount --bind "${cache}/archives" "${r}/var/cache/apt/archives" \
    || { not_ok "mount /proc and the package cache in the chroot"; finish; }
cp "${deb}" "${r}/tmp/" || finish
printf '#!/bin/sh\nexit 101\n' > "${r}/usr/sbin/policy-rc.d" && chmod 755 "${r}/usr/sbin/policy-rc.d"  # no daemons started
name=`basename "${deb}"`

# ---- apt-get install ./jublk_*.deb ----------------------------------------------------------------------------
in_chroot apt-get update -qq > "${work}/apt-update.out" 2>&1
check "apt-get update in the chroot (exit $?)" [ $? = 0 ] || { show 5 "${work}/apt-update.out"; finish; }
installing=`date +%s`
in_chroot DEBIAN_FRONTEND=noninteractive apt-get install -y "./tmp/${name}" > "${work}/apt-install.out" 2>&1
rc=$?
check "apt-get install ./${name}: exit ${rc}, `expr \`date +%s\` - ${installing}` s, `grep -o '^Need to get [^,]*' "${work}/apt-install.out"`" \
    [ "${rc}" = 0 ] || { show 10 "${work}/apt-install.out"; finish; }
deps=`chroot "${r}" dpkg-query -W -f='${Status}\n' liburing2 openssh-client util-linux | grep -cx 'install ok installed'`
check "... its dependencies came from ${suite}: liburing2, openssh-client, util-linux installed (${deps} of 3)" [ "${deps}" = 3 ]
check "/opt/jublk/bin/karaf and /opt/jublk/bin/ublk are executable" [ -x "${r}/opt/jublk/bin/karaf" -a -x "${r}/opt/jublk/bin/ublk" ]
check "/usr/sbin/ublk is /opt/jublk/bin/ublk" [ "`readlink "${r}/usr/sbin/ublk"`" = /opt/jublk/bin/ublk ]
check "/etc/jublk holds the configuration, /opt/jublk/etc leads there" \
    sh -c '[ -f "$0/etc/jublk/org.apache.karaf.shell.cfg" ] && [ "`readlink "$0/opt/jublk/etc"`" = /etc/jublk ]' "${r}"
check "/var/lib/jublk is there, root's only, /opt/jublk/data leads there" \
    sh -c '[ "`stat -c %a "$0/var/lib/jublk"`" = 700 ] && [ "`readlink "$0/opt/jublk/data"`" = /var/lib/jublk ]' "${r}"
check "the unit is where systemd looks (/usr/lib/systemd/system/jublk.service) and /etc/default/jublk is there" \
    [ -f "${r}/usr/lib/systemd/system/jublk.service" -a -f "${r}/etc/default/jublk" ]
# no systemd runs in a chroot (nor where an image is built): the service is enabled all the same
check "the service is enabled: `ls -l "${r}/etc/systemd/system/multi-user.target.wants/jublk.service" 2>&1 | sed 's/.* -> /-> /'`" \
    [ -L "${r}/etc/systemd/system/multi-user.target.wants/jublk.service" ]
jdk=`ls -d "${r}"/usr/lib/jvm/*25* 2>/dev/null | head -n 1`
in_chroot /usr/sbin/ublk features > "${work}/features.out" 2>&1
rc=$?
# no driver in a chroot (no /dev/ublk-control there): the server-less CLI ran on the JDK and says so
check "/usr/sbin/ublk features runs on the archive's JDK (${jdk#${r}}): exit ${rc}, `head -n 1 "${work}/features.out"`" \
    sh -c '[ -n "$0" ] && [ "$1" = 1 ] && grep -q "driver is not loaded" "$2"' "${jdk}" "${rc}" "${work}/features.out"
if command -v systemd-analyze >/dev/null; then
    out=`systemd-analyze verify --root="${r}" /usr/lib/systemd/system/jublk.service 2>&1`
    check "systemd-analyze verify accepts the installed unit (exit $?) ${out}" sh -c '[ "$0" = 0 ] && [ -z "$1" ]' "$?" "${out}"
else
    echo "# systemd-analyze not found: the installed unit is not verified"
fi

# ---- apt-get remove, apt-get purge ------------------------------------------------------------------------------
# what the server would have written (a device record, its key) and an operator's edit of a conffile
mkdir -p "${r}/var/lib/jublk/jublk/devices" && echo '{}' > "${r}/var/lib/jublk/jublk/devices/0.json"
echo key > "${r}/etc/jublk/admin.key"
echo '# edited' >> "${r}/etc/jublk/org.apache.karaf.shell.cfg"
in_chroot apt-get remove -y jublk > "${work}/apt-remove.out" 2>&1
check "apt-get remove jublk (exit $?)" [ $? = 0 ] || show 5 "${work}/apt-remove.out"
check "... /opt/jublk/bin and /usr/sbin/ublk are gone" [ ! -e "${r}/opt/jublk/bin" -a ! -e "${r}/usr/sbin/ublk" ]
check "... the edited configuration, /etc/default/jublk and the device records are kept" \
    sh -c 'grep -q "# edited" "$0/etc/jublk/org.apache.karaf.shell.cfg" && [ -f "$0/etc/default/jublk" ] \
        && [ -f "$0/var/lib/jublk/jublk/devices/0.json" ]' "${r}"
status=`chroot "${r}" dpkg-query -W -f='${Status}' jublk 2>&1`
check "... dpkg knows it as removed with its configuration (${status})" [ "${status}" = "deinstall ok config-files" ]
in_chroot apt-get purge -y jublk > "${work}/apt-purge.out" 2>&1
check "apt-get purge jublk (exit $?)" [ $? = 0 ] || show 5 "${work}/apt-purge.out"
check "... /etc/jublk, /var/lib/jublk, /etc/default/jublk, /opt/jublk and the service's links are gone" \
    sh -c '[ ! -e "$0/etc/jublk" -a ! -e "$0/var/lib/jublk" -a ! -e "$0/etc/default/jublk" -a ! -e "$0/opt/jublk" ] \
        && [ -z "`find "$0/etc/systemd" -name "jublk*" 2>/dev/null`" ]' "${r}"
echo "# the clean Debian ${suite}: `expr \`date +%s\` - ${started}` s in all"
finish
