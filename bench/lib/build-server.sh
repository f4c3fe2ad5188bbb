# Sourced by the bench run scripts on the host: builds the core, the null, loop, qcow2 and rbd targets and the
# plain-JVM device server (bench/serve), and sets SERVER_CP to its class path.
# BENCH_MVN_ARGS adds Maven arguments (e.g. -o -Dmaven.repo.local=...); BENCH_SKIP_BUILD=1 reuses the last build.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
serve_out="$bench_root/bench/serve/target"

build_server() {
    if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
        echo "== building core, targets and bench/serve"
        # Maven on JDK 25 warns about its own use of sun.misc.Unsafe: keep only real output
        (cd "$bench_root" && MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}" \
            mvn -B -q -Dstyle.color=never ${BENCH_MVN_ARGS:-} -pl bundles/target-null,bundles/target-loop,bundles/target-qcow2,bundles/target-rbd -am \
            package dependency:build-classpath -DskipTests -DskipITs -Dmdep.includeScope=test \
            -Dmdep.outputFile=target/deps.cp) 2>&1 | grep -v -e 'WARNING: .*Unsafe' -e 'WARNING: Please consider' \
            -e 'WARNING: sun.misc.Unsafe' -e $'^\e\\[0m\\(\e\\[0m\\)*$' || true
        [[ -f "$bench_root/bundles/target-qcow2/target/deps.cp" ]] || { echo "build failed" >&2; return 1; }
        rm -rf "$serve_out/classes"
        mkdir -p "$serve_out/classes"
        "$JAVA_HOME/bin/javac" -d "$serve_out/classes" -cp "$(server_cp_without_bench)" \
            $(find "$bench_root/bench/serve/src" -name '*.java')
    fi
    SERVER_CP="$serve_out/classes:$(server_cp_without_bench)"
    export SERVER_CP
}

server_cp_without_bench() {
    local b=$bench_root/bundles
    # the qcow2 target's class path holds everything the loop target's does, and aircompressor
    echo "$b/target-null/target/classes:$b/target-loop/target/classes:$b/target-qcow2/target/classes:$b/target-rbd/target/classes:$(cat "$b/target-qcow2/target/deps.cp")"
}
