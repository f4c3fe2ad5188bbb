# Sourced by bench/nolost/pauses (in the ublk host) and bench/nolost/selftest (natively): fio's JSON read with jq
# (a C program: a python start costs seconds under TCG), the results file and its summary.
# Results file: one line per event and device:
#   KIND WHO DEVICE ROUND LIVE_S MAX_MS P999_MS IOS ERROR
# KIND kill (kill -9 of the server), ref (the same fio job, no event), update (bundle:update of the target),
# restart (bundle:restart of the core); WHO jublk or ublksrv; LIVE_S seconds from the kill to LIVE ("-" for the
# others); MAX_MS fio's longest completion latency (clat) of any I/O of the job; P999_MS its p99.9 in the job's
# own direction (writes for the loop device's writer, reads for the null device's reader); IOS the I/Os of that
# direction; ERROR fio's error (0: every I/O done and, for the writer, everything it wrote verified).

# fio_pause JSON DIRECTION: prints "MAX_MS P999_MS IOS ERROR" of fio's --output-format=json output
fio_pause() {
    jq -r --arg d "$2" '.jobs[0] as $j
        | [($j.read.clat_ns.max // 0), ($j.write.clat_ns.max // 0)] | max as $max
        | ($j[$d].clat_ns.percentile["99.900000"] // 0) as $p
        | "\($max / 1e6 * 1000 | round / 1000) \($p / 1e6 * 1000 | round / 1000) \($j[$d].total_ios // 0) \($j.error // -1)"' \
        "$1" 2>/dev/null | grep -E '^[0-9.]+ [0-9.]+ [0-9]+ -?[0-9]+$' || echo "- - 0 -1"
}

# live_after STATES COLUMN T0_MS: STATES has "MS STATE..." lines (a poll of the kernel's device states); prints the
# seconds from T0_MS to the first LIVE that follows a state other than LIVE in COLUMN (2 is the first device), or "-"
live_after() {
    awk -v c="$2" -v t0="$3" '$c != "LIVE" { down = 1 } down && $c == "LIVE" { printf "%.1f\n", ($1 - t0) / 1000; found = 1; exit }
        END { if (!found) print "-" }' "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }

# column_median RESULTS KIND WHO DEVICE FIELD: the median of FIELD (5 LIVE_S, 6 MAX_MS, 7 P999_MS) over the rounds
column_median() {
    awk -v k="$2" -v w="$3" -v d="$4" -v f="$5" '$1 == k && $2 == w && $3 == d && $f != "-" { print $f }' "$1" \
        | sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2] + 0; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# summary RESULTS: the medians over the rounds and the ratios the goals are about
summary() {
    local f="$1" dev jl ul jm um ref up rs
    echo "== medians over $(awk '{ print $4 }' "$f" | sort -u | wc -l) round(s); every fio error must be 0: $(awk '$9 != 0 { n++ } END { print n + 0 }' "$f") not"
    printf '%-6s %-34s %12s %12s %8s\n' device event jublk ublksrv ratio
    for dev in null loop; do
        jl=$(column_median "$f" kill jublk "$dev" 5); ul=$(column_median "$f" kill ublksrv "$dev" 5)
        jm=$(column_median "$f" kill jublk "$dev" 6); um=$(column_median "$f" kill ublksrv "$dev" 6)
        printf '%-6s %-34s %12s %12s %8s\n' "$dev" "kill -9: seconds to LIVE" "$jl" "$ul" "$(ratio "$jl" "$ul")"
        printf '%-6s %-34s %12s %12s %8s\n' "$dev" "kill -9: fio's longest I/O, ms" "$jm" "$um" "$(ratio "$jm" "$um")"
    done
    printf '%-6s %-34s %12s %12s %8s\n' device event "max ms" "ref p99.9" ratio
    for dev in null loop; do
        ref=$(column_median "$f" ref jublk "$dev" 7)
        printf '%-6s %-34s %12s %12s %8s\n' "$dev" "no event (reference), fio's max" "$(column_median "$f" ref jublk "$dev" 6)" "$ref" \
            "$(ratio "$(column_median "$f" ref jublk "$dev" 6)" "$ref")"
        up=$(column_median "$f" update jublk "$dev" 6); rs=$(column_median "$f" restart jublk "$dev" 6)
        printf '%-6s %-34s %12s %12s %8s\n' "$dev" "bundle:update jublk-target-loop" "$up" "$ref" "$(ratio "$up" "$ref")"
        printf '%-6s %-34s %12s %12s %8s\n' "$dev" "bundle:restart jublk-core" "$rs" "$ref" "$(ratio "$rs" "$ref")"
    done
}
