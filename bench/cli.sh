#!/usr/bin/env bash
# Query latency of the CLI on a big database, with the daemon running and after it stopped.
#
# Builds a database through a fresh daemon: FILL_K clients send EVENTS events in total
# (allocgen -b 64, window 1000), then one holder client allocates LIVE buffers that stay
# live (allocgen -x -H, alive until this script ends). Then times, RUNS times each after
# one warm-up call (hyperfine when installed, else a loop; output discarded):
#   with the daemon:   tracker dump --pid HOLDER, tracker history --pid HOLDER (LIVE events)
#   after SIGTERM:     the same two, reading the database file
#   baseline, in both phases: java -version (a JVM that loads nothing)
# and prints medians and their ratio to the baseline. With the daemon, it also times the same
# two commands sent on the command socket from one Python process (no JVM start): what the
# daemon takes, so that the rest of a command's time is the CLI's own (JVM, client).
#
# Usage: bench/cli.sh         (about 2-3 minutes on a loaded 2-core machine)
# Knobs (environment): EVENTS=10000000 LIVE=100000 FILL_K=4 RUNS=10
#   BENCH_HYPERFINE=0 (use the loop even if hyperfine is installed)  TRACKER_JAR=path TRACKER_LABEL=text
# Targets: dump <= 0.3 s with the daemon, <= 1.0 s without; history <= 1.0 s.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EVENTS="${EVENTS:-10000000}"
LIVE="${LIVE:-100000}"
FILL_K="${FILL_K:-4}"
RUNS="${RUNS:-10}"
# the holder outlives the script; allocgen's hold is at most ~71 minutes (32-bit microseconds)
HOLD_MS=4000000

build_tools
freeze_product
mkdir -p "$bench/out"
raw="$bench/out/cli-$(date +%Y%m%d-%H%M%S).txt"
log "product: $product_label; raw figures: $raw"
echo "# cli.sh $(date -Is) product=$product_label events=$EVENTS live=$LIVE runs=$RUNS" >"$raw"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

start_daemon cli
t_fill="$(now)"
log "filling: $EVENTS events from $FILL_K clients"
out="$("$allocgen" -s "$daemon_sock" -k "$FILL_K" -n $((EVENTS / FILL_K)) -w 1000 -b 64 -v 3 -D 1 -q -t 3600 2>&1)" ||
    die "filling failed: $out"
echo "fill $(grep '^clients=' <<<"$out")" >>"$raw"
filled="$(field msgs "$out")"

log "holder: $LIVE live buffers"
setsid "$allocgen" -s "$daemon_sock" -k 1 -n "$LIVE" -w "$LIVE" -b 64 -v 3 -D 1 -x -H "$HOLD_MS" -P -t 3600 \
    >"$work/holder.txt" 2>&1 &
holder_group=$!
started_pids+=("-$holder_group")
deadline=$((SECONDS + 60))
until holder="$(sed -n 's/^client pid=\([0-9]*\).*/\1/p' "$work/holder.txt")" && [ -n "$holder" ]; do
    [ $SECONDS -lt $deadline ] || die "the holder did not start: $(cat "$work/holder.txt")"
    sleep 0.05
done
# wait until everything the holder sent is received and committed
python3 "$bench/ctl.py" --cli "$tracker" wait-committed "$daemon_ctl" "$daemon_db" "$((filled + LIVE))" "$(now)" \
    --interval 0.5 --timeout 1800 >/dev/null || die "the events were not committed within 30 minutes"
kill -0 "$holder" 2>/dev/null || die "the holder died early: $(cat "$work/holder.txt")"
fill_s="$(python3 -c "print('%.0f' % ($(now) - $t_fill))")"
ctl stats --db "$daemon_db" --format json >"$work/stats.json"
counts="$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); c = s["counters"]
print("history_events=%s live_records=%s" % (c["history_events"], c["live_records"]))' "$work/stats.json")"
log "database ready in ${fill_s} s: $counts, $(du -m "$daemon_db.mv.db" | cut -f1) MB"
echo "database filled in ${fill_s} s: $counts file_mb=$(du -m "$daemon_db.mv.db" | cut -f1) holder=$holder" >>"$raw"

# sanity: what the timed commands print
dump_rows="$("$tracker" dump --pid "$holder" --db "$daemon_db" | wc -l)"
history_rows="$("$tracker" history --pid "$holder" --db "$daemon_db" | wc -l)"
echo "output lines with the daemon: dump=$dump_rows history=$history_rows" >>"$raw"

declare -A M
# measure NAME CMD...
measure() {
    local name=$1 result
    shift
    log "timing $name"
    result="$(python3 "$bench/timecmd.py" "$RUNS" 1 -- "$@")" || die "timing $name failed"
    echo "$name $result" >>"$raw"
    M[$name]="$(field median_s "$result")"
    M[$name.tool]="$(field tool "$result")"
}

# in_daemon NAME ARGS...: median seconds of RUNS round trips on the command socket, in-process
in_daemon() {
    local name=$1 result
    shift
    result="$(python3 - "$bench" "$daemon_ctl" "$RUNS" "$@" <<'PY'
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
import ctl
sock, runs, args = sys.argv[2], int(sys.argv[3]), sys.argv[4:]
ctl.run_socket(sock, args)  # warm-up, as for the timed commands
times = []
for _ in range(runs):
    start = time.perf_counter()
    code, _, err = ctl.run_socket(sock, args)
    times.append(time.perf_counter() - start)
    if code != 0:
        sys.exit("exit %d: %s" % (code, err.decode(errors="replace")))
print("median_s=%.6f min_s=%.6f max_s=%.6f runs=%d" % (statistics.median(times), min(times), max(times), runs))
PY
)" || die "timing $name in the daemon failed"
    echo "$name $result" >>"$raw"
    M[$name]="$(field median_s "$result")"
}

measure base_daemon "$java_bin" -version
measure dump_daemon "$tracker" dump --pid "$holder" --db "$daemon_db"
measure history_daemon "$tracker" history --pid "$holder" --db "$daemon_db"
log "timing the same inside the daemon"
in_daemon dump_inside dump --pid "$holder" "--db=$daemon_db"
in_daemon history_inside history --pid "$holder" "--db=$daemon_db"

log "stopping the daemon"
stop_daemon
dump_rows_file="$("$tracker" dump --pid "$holder" --db "$daemon_db" | wc -l)"
history_rows_file="$("$tracker" history --pid "$holder" --db "$daemon_db" | wc -l)"
echo "output lines from the file: dump=$dump_rows_file history=$history_rows_file" >>"$raw"

measure base_file "$java_bin" -version
measure dump_file "$tracker" dump --pid "$holder" --db "$daemon_db"
measure history_file "$tracker" history --pid "$holder" --db "$daemon_db"

verdict() { python3 -c "print('met' if $1 <= $2 else 'MISSED')"; }
ratio() { python3 -c "print('%.1f' % ($1 / $2))"; }
{
    echo "CLI latency: median of $RUNS runs (${M[base_daemon.tool]}), database of $counts, product $product_label"
    printf '%-32s %9s %10s %9s  %s\n' command "median s" "output" "x java" target
    printf '%-32s %9.3f %10s %9s\n' "java -version (daemon phase)" "${M[base_daemon]}" "" 1.0
    printf '%-32s %9.3f %10s %9s  <= 0.3 s: %s\n' "dump --pid (daemon running)" "${M[dump_daemon]}" \
        "$dump_rows l" "$(ratio "${M[dump_daemon]}" "${M[base_daemon]}")" "$(verdict "${M[dump_daemon]}" 0.3)"
    printf '%-32s %9.3f %10s %9s  <= 1.0 s: %s\n' "history --pid (daemon running)" "${M[history_daemon]}" \
        "$history_rows l" "$(ratio "${M[history_daemon]}" "${M[base_daemon]}")" "$(verdict "${M[history_daemon]}" 1.0)"
    printf '%-32s %9.3f\n' "  dump, of which in the daemon" "${M[dump_inside]}"
    printf '%-32s %9.3f\n' "  history, of which in the daemon" "${M[history_inside]}"
    printf '%-32s %9.3f %10s %9s\n' "java -version (file phase)" "${M[base_file]}" "" 1.0
    printf '%-32s %9.3f %10s %9s  <= 1.0 s: %s\n' "dump --pid (daemon stopped)" "${M[dump_file]}" \
        "$dump_rows_file l" "$(ratio "${M[dump_file]}" "${M[base_file]}")" "$(verdict "${M[dump_file]}" 1.0)"
    printf '%-32s %9.3f %10s %9s  <= 1.0 s: %s\n' "history --pid (daemon stopped)" "${M[history_file]}" \
        "$history_rows_file l" "$(ratio "${M[history_file]}" "${M[base_file]}")" "$(verdict "${M[history_file]}" 1.0)"
    echo "host: $(nproc) cpus; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); filled in ${fill_s} s; raw: $raw"
} | tee -a "$raw"
