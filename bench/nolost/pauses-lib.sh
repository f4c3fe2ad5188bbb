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
    awk -v k="$2" -v w="$3" -v d="$4" -v f="$5" '$1 == k && $2 == w && $3 == d && $f != "-" { print $f }' "$1" | median_of
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

# ---- Felix's part of a target's bundle:update (bench/swap/felix-update natively, felix_updates in the ublk host) ----

# log_ms LINE: the milliseconds of the day of a karaf.log line ("2026-12-07T11:29:50,697 | INFO | ..."), or "-"
log_ms() {
    printf '%s\n' "$1" | awk '{ if (match($1, /T[0-9][0-9]:[0-9][0-9]:[0-9][0-9],[0-9][0-9][0-9]/)) {
        t = substr($1, RSTART + 1, 12); print ((substr(t, 1, 2) * 60 + substr(t, 4, 2)) * 60 + substr(t, 7, 2)) * 1000 + substr(t, 10, 3) }
        else print "-" }'
}

# update_gap LINES TYPE: of karaf.log's lines of one update, the ms from the core's "target type 'TYPE' gone" to its
# "target type 'TYPE' available" (Felix stops the bundle, reads it again, starts it; SCR registers the factory),
# or "-" when either is missing
update_gap() {
    local gone avail
    gone=$(grep -m 1 "target type '$2' gone" "$1" || true)
    avail=$(grep "target type '$2' available" "$1" | tail -n 1 || true)
    [ -n "$gone" ] && [ -n "$avail" ] || { echo -; return; }
    awk -v a="$(log_ms "$avail")" -v g="$(log_ms "$gone")" 'BEGIN { if (a == "-" || g == "-") print "-"; else print (a - g + 86400000) % 86400000 }'
}

# felix_update LOG COMMAND HOW: COMMAND (a bundle:update of jublk-target-loop) through client() (the caller's
# console over ssh); waits for the loop factory to be back; prints "felix HOW GAP_MS COMMAND_MS": the update_gap
# and the command's wall time (ssh included)
felix_update() {
    local log="$1" command="$2" how="$3" before t0 t1 i out
    before=$(wc -l < "$log")
    t0=$(date +%s%N)
    out=$(client "$command")
    t1=$(date +%s%N)
    printf '%s\n' "$out" | grep -qi error && { echo "not ok - $command: $out" >&2; return 1; }
    for i in $(seq 1 1200); do
        tail -n +"$((before + 1))" "$log" | grep -q "target type 'loop' available" && break
        sleep 0.1
    done
    tail -n +"$((before + 1))" "$log" > "$log.update"
    echo "felix $how $(update_gap "$log.update" loop) $(( (t1 - t0) / 1000000 ))"
}

# felix_summary RESULTS WHERE: the medians of felix_update's lines, by HOW
felix_summary() {
    local how
    for how in $(awk '$1 == "felix" { print $2 }' "$1" | sort -u); do
        printf 'felix %-8s %-6s gone -> available median %6s ms, command median %6s ms (%s updates)\n' "$2" "$how" \
            "$(awk -v h="$how" '$1 == "felix" && $2 == h && $3 != "-" { print $3 }' "$1" | median_of)" \
            "$(awk -v h="$how" '$1 == "felix" && $2 == h { print $4 }' "$1" | median_of)" \
            "$(awk -v h="$how" '$1 == "felix" && $2 == h' "$1" | wc -l)"
    done
}

median_of() { # numbers on stdin, one a line: their median, or "-"
    sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2] + 0; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# swap_step LINE STEP: the ms of STEP ("new factory", "drained", ...) in the core's swap line, or "-"
swap_step() {
    printf '%s\n' "$1" | sed -n "s/.*[;,] $2 \([0-9][0-9.]*\)[, ].*/\1/p; s/.*[;,] $2 \([0-9][0-9.]*\) ms\$/\1/p" | head -n 1 | grep . || echo -
}
