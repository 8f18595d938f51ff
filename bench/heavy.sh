#!/usr/bin/env bash
# Heavy commands against ingest: does a live client still get its QUERY answered at once
# while expensive commands run through the daemon on a big database?
#
# Builds a database through a fresh daemon, as bench/cli.sh does: FILL_K clients send EVENTS
# events (allocgen -b 64, window 1000), then one holder client allocates LIVE buffers that stay
# live (so that `allocations` has rows to join). Then, RUNS times, on a daemon started anew on
# that database (a command left running by one run cannot weigh on the next):
#   - a probe (bench/qprobe.c, one frame per send: a `-b 1` client) sends QUERY frames on its
#     own connection and records every round trip (PROBE_PAUSE_US between them);
#   - a background allocgen -b 1 stream keeps ingest busy (STREAM=0: none);
#   - phases, in this order, each timed from its first command's start to its last one's end:
#       rest          nothing for PHASE_S seconds (the baseline)
#       history1      4 concurrent `tracker history --limit 1` (the reported 31 s stall)
#       history       4 concurrent `tracker history` (all events, no --pid, CSV to /dev/null)
#       repeat        tracker sql "SELECT LENGTH(REPEAT('a',1000000000))"
#       crossjoin     tracker sql "SELECT COUNT(*) FROM allocations a, allocations b"
#     every command through the daemon's command socket, by a small client that reads and
#     discards the answer (CLIENT=cli: the real CLI, whose JVM starts then weigh on the same
#     2 cores), ended after CMD_TIMEOUT seconds (the daemon's own limits may end it first:
#     exit 3); a quiet gap of GAP_S seconds separates the phases;
#   - per phase: the worst and the median round trip of the probe, and how the commands ended.
# Prints each run and, per phase, the medians over the runs.
#
# Usage: bench/heavy.sh     (about 15 minutes with the defaults on a loaded 2-core machine)
# Knobs (environment): EVENTS=10000000 LIVE=100000 FILL_K=4 RUNS=3 PHASE_S=10 CMD_TIMEOUT=30
#   GAP_S=2 CLIENT=socket|cli PROBE_PAUSE_US=1000 STREAM=1 HISTORY_CLIENTS=4 PHASES="rest history1 history repeat crossjoin"
#   SERVE_OPTS="" (extra `tracker serve` options)  TRACKER_JAR=path TRACKER_LABEL=text (measure this jar)
# Target: worst QUERY round trip <= 100 ms in every phase.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EVENTS="${EVENTS:-10000000}"
LIVE="${LIVE:-100000}"
FILL_K="${FILL_K:-4}"
RUNS="${RUNS:-3}"
PHASE_S="${PHASE_S:-10}"
CMD_TIMEOUT="${CMD_TIMEOUT:-30}"
GAP_S="${GAP_S:-2}"
PROBE_PAUSE_US="${PROBE_PAUSE_US:-1000}"
STREAM="${STREAM:-1}"
HISTORY_CLIENTS="${HISTORY_CLIENTS:-4}"
PHASES="${PHASES:-rest history1 history repeat crossjoin}"
SERVE_OPTS="${SERVE_OPTS:-}"
CLIENT="${CLIENT:-socket}"
HOLD_MS=4000000

build_tools
freeze_product
mkdir -p "$bench/out"
raw="$bench/out/heavy-$(date +%Y%m%d-%H%M%S).txt"
log "product: $product_label; raw figures: $raw"
echo "# heavy.sh $(date -Is) product=$product_label events=$EVENTS live=$LIVE runs=$RUNS phase_s=$PHASE_S" \
    "cmd_timeout=$CMD_TIMEOUT stream=$STREAM" >"$raw"

# Stops the daemon: SIGTERM, and SIGKILL when a command it still runs keeps it past 30 s
# (everything was committed long before: a kill loses nothing measured here).
end_daemon() {
    kill -TERM "$daemon_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$daemon_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$daemon_pid" 2>/dev/null; then
        log "the daemon did not stop within 30 s of SIGTERM: SIGKILL"
        echo "daemon killed after 30 s of SIGTERM" >>"$raw"
        kill -KILL "$daemon_pid" 2>/dev/null || true
    fi
    wait "$daemon_pid" 2>/dev/null || true
    forget_pid "$daemon_pid"
}

# --- the database -----------------------------------------------------------------------
# shellcheck disable=SC2086
start_daemon heavy $SERVE_OPTS
t_fill="$(now)"
log "filling: $EVENTS events from $FILL_K clients"
out="$("$allocgen" -s "$daemon_sock" -k "$FILL_K" -n $((EVENTS / FILL_K)) -w 1000 -b 64 -v 3 -D 1 -q -t 3600 2>&1)" ||
    die "filling failed: $out"
filled="$(field msgs "$out")"
log "holder: $LIVE live buffers"
start_group holder_group "$allocgen" -s "$daemon_sock" -k 1 -n "$LIVE" -w "$LIVE" -b 64 -v 3 -D 1 -x -H "$HOLD_MS" -P \
    -t 3600 >"$work/holder.txt" 2>&1
deadline=$((SECONDS + 60))
until holder="$(sed -n 's/^client pid=\([0-9]*\).*/\1/p' "$work/holder.txt")" && [ -n "$holder" ]; do
    [ $SECONDS -lt $deadline ] || die "the holder did not start: $(cat "$work/holder.txt")"
    sleep 0.05
done
python3 "$bench/ctl.py" --cli "$tracker" wait-committed "$daemon_ctl" "$daemon_db" "$((filled + LIVE))" "$(now)" \
    --interval 0.5 --timeout 1800 >/dev/null || die "the events were not committed within 30 minutes"
fill_s="$(python3 -c "print('%.0f' % ($(now) - $t_fill))")"
ctl stats --db "$daemon_db" --format json >"$work/stats.json"
counts="$(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print("history_events=%s live_records=%s" % (c["history_events"], c["live_records"]))' "$work/stats.json")"
log "database ready in ${fill_s} s: $counts, $(du -m "$daemon_db.mv.db" | cut -f1) MB"
echo "database filled in ${fill_s} s: $counts file_mb=$(du -m "$daemon_db.mv.db" | cut -f1) holder=$holder" >>"$raw"
end_daemon

# --- the phases -------------------------------------------------------------------------
# A client that sends one command on the command socket and reads and discards its answer
# (ctl.py keeps the whole answer in memory: gigabytes for a whole history).
cat >"$work/discard.py" <<'PY'
import socket, struct, sys
args = sys.argv[2:]
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
    s.connect(sys.argv[1])
    s.sendall(struct.pack(">i", len(args)) + b"".join(struct.pack(">i", len(a.encode())) + a.encode() for a in args))
    r = s.makefile("rb", buffering=1 << 20)
    def exactly(n):
        data = r.read(n)
        if len(data) != n:
            sys.exit("short reply")
        return data
    while True:
        stream = exactly(1)[0]
        if stream == 0:
            sys.exit(struct.unpack(">i", exactly(4))[0])
        data = exactly(struct.unpack(">i", exactly(4))[0])
        if stream == 2:
            sys.stderr.buffer.write(data)
PY

# through ARGS...: the command line that runs `tracker ARGS` through the daemon, in $through
through() {
    if [ "$CLIENT" = cli ]; then
        through=("$tracker" "$@" --db "$daemon_db")
    else
        through=(python3 "$work/discard.py" "$daemon_ctl" "$@" "--db=$daemon_db")
    fi
}

# bounded CMD...: runs CMD, ended after CMD_TIMEOUT s; prints "exit=N seconds=S"
# (exit 124: the time bound ended it, SIGTERM then SIGKILL 2 s later).
bounded() {
    local t0 code
    t0="$(now)"
    timeout -k 2 "$CMD_TIMEOUT" "$@" >/dev/null 2>>"$work/commands.err" && code=0 || code=$?
    [ "$code" = 137 ] && code=124
    printf 'exit=%s seconds=%.2f\n' "$code" "$(python3 -c "print($(now) - $t0)")"
}

# phase NAME RUN: runs one phase, appends "NAME start end outcomes..." to $work/phases-RUN.txt
phase() {
    local name=$1 run=$2 start end i outcomes=""
    log "run $run: $name"
    start="$(now)"
    case "$name" in
    rest) sleep "$PHASE_S" ;;
    history1 | history)
        local limit=() clients=()
        [ "$name" = history1 ] && limit=(--limit 1)
        for ((i = 1; i <= HISTORY_CLIENTS; i++)); do
            through history --format csv "${limit[@]}"
            bounded "${through[@]}" >"$work/$name-$run-$i.out" &
            clients+=($!)
        done
        wait "${clients[@]}"
        for ((i = 1; i <= HISTORY_CLIENTS; i++)); do outcomes+=" $(cat "$work/$name-$run-$i.out")"; done
        ;;
    repeat)
        through sql "SELECT LENGTH(REPEAT('a',1000000000))"
        outcomes=" $(bounded "${through[@]}")"
        ;;
    crossjoin)
        through sql "SELECT COUNT(*) FROM allocations a, allocations b"
        outcomes=" $(bounded "${through[@]}")"
        ;;
    *) die "unknown phase $name" ;;
    esac
    end="$(now)"
    alive=yes
    kill -0 "$daemon_pid" 2>/dev/null || alive=no
    echo "$name $start $end daemon_alive=$alive$outcomes" >>"$work/phases-$run.txt"
    sleep "$GAP_S"
}

for ((run = 1; run <= RUNS; run++)); do
    # shellcheck disable=SC2086
    start_daemon heavy $SERVE_OPTS
    start_group probe_pid "$qprobe" "$daemon_sock" "$work/probe-$run.txt" "$PROBE_PAUSE_US"
    stream_pid=""
    if [ "$STREAM" = 1 ]; then
        start_group stream_pid "$allocgen" -s "$daemon_sock" -k 1 -n 4000000000 -w 1000 -b 1 -v 3 -D 1 -t 3600
    fi
    # the commands' own paths meet compiled code, as in a daemon that has been running
    through history --limit 10
    bounded "${through[@]}" >/dev/null
    through stats
    bounded "${through[@]}" >/dev/null
    sleep "$GAP_S"
    : >"$work/phases-$run.txt"
    for name in $PHASES; do
        phase "$name" "$run"
    done
    stop_group "$probe_pid"
    [ -z "$stream_pid" ] || stop_group "$stream_pid"
    echo "run $run daemon peak rss: $(daemon_peak_rss_mb) MB" >>"$raw"
    end_daemon
    python3 - "$work/probe-$run.txt" "$work/phases-$run.txt" "$run" >>"$work/figures.txt" <<'PY'
import statistics, sys
probe, phases, run = sys.argv[1], sys.argv[2], sys.argv[3]
trips = []
for line in open(probe):
    parts = line.split()
    if len(parts) == 2:
        trips.append((int(parts[0]) / 1e9, int(parts[1]) / 1e9))
for line in open(phases):
    name, start, end, rest = line.split(" ", 3)
    start, end = float(start), float(end)
    # a round trip counts for a phase when it overlaps it
    rtts = [(t1 - t0) * 1000 for t0, t1 in trips if t1 >= start and t0 <= end]
    worst = max(rtts) if rtts else float("nan")
    median = statistics.median(rtts) if rtts else float("nan")
    print("run=%s phase=%s phase_s=%.1f trips=%d worst_ms=%.2f median_ms=%.3f %s"
          % (run, name, end - start, len(rtts), worst, median, rest.strip()))
PY
    grep "^run=$run " "$work/figures.txt" | tee -a "$raw" >&2
done

python3 - "$work/figures.txt" "$RUNS" "$product_label" "$counts" <<'PY' | tee -a "$raw"
import re, statistics, sys
figures, runs, label, counts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
by_phase = {}
for line in open(figures):
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    by_phase.setdefault(f["phase"], []).append((float(f["worst_ms"]), float(f["median_ms"]), float(f["phase_s"]), line))
print("QUERY round trips of a -b 1 client while heavy commands run through the daemon; medians of %s runs" % runs)
print("database: %s; product %s" % (counts, label))
print("%-10s %10s %11s %10s  %-8s  %s" % ("phase", "worst ms", "median ms", "phase s", "<=100ms", "how the commands ended (per run)"))
for name, rows in by_phase.items():
    worst = statistics.median(r[0] for r in rows)
    median = statistics.median(r[1] for r in rows)
    seconds = statistics.median(r[2] for r in rows)
    ends = []
    for r in rows:
        codes = re.findall(r"exit=(\d+) seconds=([\d.]+)", r[3])
        ends.append(",".join(("timeout" if c == "124" else "exit %s" % c) + " %.0fs" % float(s) for c, s in codes) or "-")
    alive = "" if all("daemon_alive=yes" in r[3] for r in rows) else " DAEMON DIED"
    print("%-10s %10.1f %11.3f %10.1f  %-8s  %s%s" % (name, worst, median, seconds,
          "met" if worst <= 100 else "MISSED", " | ".join(ends), alive))
PY
echo "host: $(nproc) cpus; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); filled in ${fill_s} s; raw: $raw" |
    tee -a "$raw"
