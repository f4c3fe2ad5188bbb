#!/bin/sh
# cds-launcher.sh BIN_KARAF: lets the server JVM use class data sharing. Karaf's bin/karaf patches java.base with
# its OSGi XML-factory locator (--patch-module), and a JVM with a patched java.base turns class data sharing off,
# the JDK's own archive included. The distribution has no XML provider bundle for that locator to find, so the
# JDK's own XML factories serve either way: drop the two patches (and the module options that go with them) and
# keep the locator on the class path for Karaf's specs activator. Fails the build when Karaf's script changes.
set -eu
f="$1"
grep -q -- '--patch-module java.base=' "$f" || { echo "cds-launcher: no --patch-module java.base in $f" >&2; exit 1; }
locator=`sed -n 's/.*--patch-module java.base="${KARAF_HOME}\/lib\/endorsed\/\([^"]*\)".*/\1/p' "$f"`
[ -n "${locator}" ] || { echo "cds-launcher: no locator jar in $f" >&2; exit 1; }
sed -i -e '/--add-reads=java.xml=java.logging/d' \
    -e '/--add-exports=java.base\/org.apache.karaf.specs.locator=/d' \
    -e '/--patch-module java.base=/d' -e '/--patch-module java.xml=/d' \
    -e '0,/-classpath "${CLASSPATH}" \\/s//-classpath "${CLASSPATH}:${KARAF_HOME}\/lib\/endorsed\/'"${locator}"'" \\/' "$f"
grep -q -- "--patch-module" "$f" && { echo "cds-launcher: --patch-module left in $f" >&2; exit 1; }
grep -q "lib/endorsed/${locator}\" " "$f" || { echo "cds-launcher: locator not on the class path in $f" >&2; exit 1; }
echo "cds-launcher: ${f}: java.base no longer patched, ${locator} on the class path"
