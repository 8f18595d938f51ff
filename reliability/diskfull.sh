#!/usr/bin/env bash
# diskfull.sh: the database's file system fills up under load, then gets room again (root).
#
# The database lives on a tmpfs of SMALL_MB (16) MiB mounted in the mktemp -d folder. Load:
# allocgen -q runs one after another (each must MATCH: QUERY is answered from memory even
# while nothing can be written), plus a reconnecting client (reclient.py) sending throughout.
# Once the daemon reports the storage error, FAILING_RUNS more allocgen -q runs must MATCH;
# then `mount -o remount,size=512m`: the daemon must catch up (events_committed ==
# events_received, "storage recovered"), having reported the error once (plus at most a
# reminder a minute). Then a clean stop, and the CLI on the file: every event counted, every
# allocgen client reaped with exactly its window, the reconnecting client's records exact.
# The tmpfs is unmounted at the end, whatever happens.
#
# Usage: sudo reliability/diskfull.sh [--quick]   (--quick: 1 run while failing instead of 3)
# Knobs: SMALL_MB=16, FAILING_RUNS, TRACKER_JAR, REL_BUILD=head, REL_KEEP=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_quick "$@"

SMALL_MB="${SMALL_MB:-16}"
FAILING_RUNS="${FAILING_RUNS:-$([ "$quick" = 1 ] && echo 1 || echo 3)}"
[ "$(id -u)" = 0 ] || die "needs root (mount -t tmpfs)"

build_tools
freeze_product
mnt="$work/small"
mkdir -p "$mnt"
cleanup_hooks+=("umount '$mnt' 2>/dev/null || umount -l '$mnt' 2>/dev/null")
mount -t tmpfs -o "size=${SMALL_MB}m,mode=0700" tmpfs "$mnt" || die "mount -t tmpfs failed"
log "diskfull: tmpfs of $SMALL_MB MiB at $mnt; FAILING_RUNS=$FAILING_RUNS work=$work"

DB_PATH="$mnt/db" start_daemon diskfull
log "daemon pid $daemon_pid, database $daemon_db"
spawn cpid python3 "$rel/reclient.py" --socket "$daemon_sock" --log "$work/client.log" --status "$work/client.status" \
    --seed 3 --rate 500 --window 300 --devices 1,2 --mix --refcount 2>>"$work/client.err"

runs=0 runs_ok=0 runs_consistent=0 runs_failing=0 runs_failing_ok=0 runs_failing_consistent=0 failing_reaped=0 client_msgs=0
expect_file="$work/allocgen-expect.txt"
: >"$expect_file"
reap_waits=()
run_allocgen() { # CFG -> sets run_ok (MATCH), run_consistent (answer = what was left + what it expects), run_waited
    local cfg="$1" o="$work/allocgen-$runs.out" rc=0 apid k n w b base
    run_waited=$(trk wait-empty "$daemon_sock" 0 --timeout "${EMPTY_WAIT_S:-60}") || true
    reap_waits+=("$run_waited")
    # what device 0 holds before the run (0 unless the previous run's clients are still there)
    base=$(trk query "$daemon_sock" 0 | python3 -c 'import json,sys; q=json.load(sys.stdin); print(q["dram"], q["l1"])')
    # shellcheck disable=SC2086
    spawn apid "$allocgen" -s "$daemon_sock" $cfg -D 1 -q -P -t 300 >"$o" 2>&1
    wait "$apid" || rc=$?
    forget "$apid"
    read -r k n w b <<<"$(sed 's/-[a-z] //g' <<<"$cfg")"
    sed -n 's/^client pid=//p' "$o" | while read -r p; do echo "$p $n $w" >>"$expect_file"; done
    client_msgs=$((client_msgs + $(field msgs "$(grep '^clients=' "$o" || echo msgs=0)")))
    runs=$((runs + 1))
    run_ok=0 run_consistent=0
    if [ $rc = 0 ] && grep -q '> MATCH' "$o"; then run_ok=1; runs_ok=$((runs_ok + 1)); fi
    if python3 - "$o" $base <<'EOF2'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"dram=(\d+) l1=(\d+) \| expected dram=(\d+) l1=(\d+)", text)
ok = m and int(m.group(1)) - int(sys.argv[2]) == int(m.group(3)) and int(m.group(2)) - int(sys.argv[3]) == int(m.group(4))
sys.exit(0 if ok and "failures=0" in text else 1)
EOF2
    then run_consistent=1; runs_consistent=$((runs_consistent + 1)); fi
    log "allocgen run $runs: rc=$rc $(grep '^query' "$o" | sed 's/query device0: //'); device 0 held dram=${base% *} l1=${base#* } before it (waited ${run_waited} s for it to empty)"
}
cfg="-k 4 -n 100000 -w 1000 -b 64"
deadline=$((SECONDS + 300))
until grep -q "storage error" "$daemon_log"; do
    [ $SECONDS -lt $deadline ] && [ $runs -lt 40 ] || die "no storage error after $runs runs"
    run_allocgen "$cfg"
done
t_failing=$(now)
error_line=$(grep -m1 "storage error" "$daemon_log" | cut -c1-220)
log "the daemon reported: $error_line"
df_full=$(df -k "$mnt" | awk 'NR == 2 { print $3 "/" $2 " KiB used" }')
for i in $(seq 1 "$FAILING_RUNS"); do
    run_allocgen "$cfg"
    runs_failing=$((runs_failing + 1))
    runs_failing_ok=$((runs_failing_ok + run_ok))
    runs_failing_consistent=$((runs_failing_consistent + run_consistent))
    [ "$run_waited" = timeout ] || failing_reaped=$((failing_reaped + 1))
done
# the CLI through the daemon while storage fails (no fallback to the file: the daemon holds it)
ctl_probe() { # COMMAND -> "rc=N" and the first line of its error output
    local rc=0
    python3 "$rel/trk.py" ctl --timeout 30 "$daemon_ctl" -- "$1" --db "$daemon_db" --format json \
        >"$work/probe-$1.out" 2>"$work/probe-$1.err" || rc=$?
    [ -s "$work/probe-$1.err" ] && [ $rc = 0 ] && rc="0+stderr"
    echo "$1 rc=$rc$(head -c 160 "$work/probe-$1.err" | head -1 | sed 's/^/: /')"
}
probes=""
probes_ok=1
for c in stats dump audit; do
    p=$(ctl_probe "$c")
    probes+="$p; "
    case "$p" in "$c rc=0") ;; *) probes_ok=0 ;; esac
done
read -r f_received f_committed f_failures <<<"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["daemon"]; print(d["events_received"], d["events_committed"], d["storage_failures"])' "$work/probe-stats.out" 2>/dev/null || echo "? ? ?")"
expect '[ $runs_consistent = $runs ]' \
    "QUERY answered throughout, consistently with the live set (answer = what device 0 held before the run + the run's own windows): $runs_consistent of $runs allocgen -q runs, $runs_failing_consistent of $runs_failing while storage failed"
expect '[ $runs_failing_ok = $runs_failing ] && [ $runs_ok = $runs ]' \
    "allocgen -q MATCH (device 0 holds exactly the run's windows): $runs_ok of $runs runs, $runs_failing_ok of $runs_failing while storage failed"
expect '[ $failing_reaped = $runs_failing ]' \
    "while storage failed, the clients of the previous run were reaped from the live set within ${EMPTY_WAIT_S:-60} s: $failing_reaped of $runs_failing times"
expect '[ $probes_ok = 1 ]' "the CLI through the daemon answered while storage failed: ${probes%; }"
if [ "$f_committed" = "?" ]; then
    log "NOTE  no daemon figures while storage failed (stats did not answer, above)"
else expect '[ "$f_committed" -lt "$f_received" ] && [ "$f_failures" -gt 0 ]' \
    "while failing the daemon holds what it cannot write: events_received $f_received, events_committed $f_committed, storage_failures $f_failures ($df_full)"
fi

# ---- room again ----
line_remount=$(($(wc -l <"$daemon_log") + 1))
mount -o remount,size=512m "$mnt" || die "remount failed"
t_remount=$(now)
caught=$(trk wait-committed "$daemon_ctl" "$daemon_db" --moving --interval 0.5 --timeout "${CATCH_UP_S:-240}") && caught_ok=1 || caught_ok=0
[ $caught_ok = 1 ] || log "not caught up ${CATCH_UP_S:-240} s after the remount; the daemon's last storage lines: $(grep 'storage' "$daemon_log" | tail -2 | cut -c1-300 | tr '\n' '|')"
catch_s=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t_remount")
read -r r_received r_committed r_polls r_failed <<<"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("events_received"), d.get("events_committed"), d.get("polls"), d.get("failed_polls"))' "$caught")"
r_error=$(python3 -c 'import json,sys; print((json.loads(sys.argv[1]).get("last_error") or "")[:200])' "$caught")
[ "$r_failed" = 0 ] || log "NOTE  $r_failed of $r_polls polls of stats through the daemon failed after the remount; the last: $r_error"
recovered_at=$(grep -m1 "storage recovered" <(tail -n +"${line_remount:-1}" "$daemon_log") | cut -c1-12 || true)
log "remounted at $(date -d "@${t_remount%.*}" +%H:%M:%S); the daemon's first \"storage recovered\" after it: ${recovered_at:-none}"
expect '[ $caught_ok = 1 ] && grep -q "storage recovered" "$daemon_log"' \
    "after the remount the daemon caught up (everything received a second earlier committed; the reconnecting client keeps sending): events_committed $r_committed, events_received $r_received, $catch_s s after the remount; \"$(grep -m1 'storage recovered' "$daemon_log" | cut -c14-140 || echo 'no storage recovered line')\""
n_error=$(grep -c "storage error" "$daemon_log" || true)
n_reminder=$(grep -c "storage still failing" "$daemon_log" || true)
n_recovered=$(grep -c "storage recovered" "$daemon_log" || true)
# once per episode: never two "storage error" lines without a "storage recovered" between them
repeated=$(grep -o "storage error\|storage recovered" "$daemon_log" | uniq -c | awk '$2 $3 == "storageerror" && $1 > 1' | wc -l)
fail_minutes=$(python3 -c "import sys; print(int((float(sys.argv[1]) - float(sys.argv[2])) / 60) + 1)" "$t_remount" "$t_failing")
expect '[ "$repeated" = 0 ] && [ "$n_reminder" -le "$fail_minutes" ]' \
    "the storage error was reported once per episode ($n_error \"storage error\", $n_recovered \"storage recovered\" lines), with $n_reminder reminder lines in about $fail_minutes minute(s) of failure"
# one more run on the recovered daemon
run_allocgen "$cfg"
expect '[ $run_ok = 1 ]' "a run after the recovery MATCHes too"

# ---- stop, and read the file ----
kill -USR1 "$cpid"
deadline=$((SECONDS + 20))
until grep -q '^state=paused' "$work/client.status"; do [ $SECONDS -lt $deadline ] || break; sleep 0.05; done
trk wait-empty "$daemon_sock" 0 --timeout 60 >/dev/null || true
trk wait-committed "$daemon_ctl" "$daemon_db" --timeout 120 >/dev/null || true
peak=$(daemon_peak_mb)
stop_daemon
expect '{ [ "$daemon_rc" = 0 ] || [ "$daemon_rc" = 143 ]; } && tail -2 "$daemon_log" | grep -q "stopped:"' \
    "clean stop (exit status $daemon_rc); peak memory (VmHWM) $peak MiB"
file_cli stats --db "$daemon_db" --format json >"$work/file-stats.json" || true
file_cli dump --db "$daemon_db" --format json >"$work/file-dump.json" || true
file_cli sql --db "$daemon_db" --format csv \
    "SELECT pid, buffers + cbs + kernels AS records, buffer_bytes + cb_bytes + kernel_bytes AS bytes FROM reaps" >"$work/file-reaps.csv" || true
tables=$(file_cli sql --db "$daemon_db" --format csv \
    "SELECT (SELECT COUNT(*) FROM processes), (SELECT COUNT(*) FROM allocations), (SELECT COUNT(*) FROM event_chunks), (SELECT COUNT(*) FROM reaps), (SELECT COUNT(*) FROM reaped_allocations)" | tail -1 || echo "unreadable")
client_sent=$(grep -c '^K' "$work/client.log")
read -r f_events f_live f_dropped f_hist <<<"$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counters"]; print(c["events"], c["live_records"], c["dropped_history_events"], c["history_events"])' "$work/file-stats.json" 2>/dev/null || echo "? ? ? ?")"
expect '[ "$f_events" = $((client_msgs + client_sent)) ]' \
    "the file is intact and counts every event: $f_events = allocgen $client_msgs + reconnecting client $client_sent (history holds $f_hist, $f_dropped dropped and counted; rows in processes, allocations, event_chunks, reaps, reaped_allocations: $tables)"
hold=$(python3 "$rel/model.py" check --log "$work/client.log" --state "$work/client.state" --rows "$work/file-dump.json" --pid "$cpid" || true)
others=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1])) if r["pid"] != int(sys.argv[2])))' "$work/file-dump.json" "$cpid")
expect 'python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(not (r[\"match\"] and r[\"lost\"] == 0))" "$hold" && [ "$others" = 0 ]' \
    "the reconnecting client's records are exactly in the file ($(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["rows"], "records,", r["events"], "messages")' "$hold")), nothing else live ($others)"
audit=$(python3 - "$expect_file" "$work/file-reaps.csv" "$rel" <<'EOF'
import csv, sys
sys.path.insert(0, sys.argv[3])
import trk
reaps = {}
for r in csv.DictReader(open(sys.argv[2])):
    reaps.setdefault(r["pid"], []).append((int(r["records"]), int(r["bytes"])))
clients = exact = 0
for line in open(sys.argv[1]):
    pid, n, w = line.split()
    clients += 1
    e = trk.allocgen_expect(int(n), int(w), 4096, 0, 1)
    if reaps.get(pid) == [(e["records"], e["bytes"])]:
        exact += 1
print(clients, exact)
EOF
)
read -r a_clients a_exact <<<"$audit"
expect '[ "$a_clients" -gt 0 ] && [ "$a_clients" = "$a_exact" ]' \
    "every allocgen client (also those that ended while storage failed) reaped once with exactly its window: $a_exact of $a_clients"
umount "$mnt" && umounted=yes || umounted=no
expect '[ $umounted = yes ]' "the tmpfs unmounted"
[ $umounted = no ] || cleanup_hooks=()
summary
