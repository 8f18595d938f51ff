#!/usr/bin/env bash
# connections.sh: many concurrent connections, then the daemon's file-descriptor limit.
#
# Part 1: allocgen -k CLIENTS (1,000 processes by default, one connection each, all connected
#   before any sends) -n 2000 -w 100 -q: every client's own QUERY must be answered, the final
#   QUERY must MATCH; the log must show CLIENTS connections open at once; every event must be
#   committed; every client reaped with exactly its window once it exits.
# Part 2: a daemon started under `prlimit --nofile=FD_LIMIT:FD_LIMIT` (256), with a 1 s reap
#   interval; a reconnecting client holds records; then FLOOD connections (more than the limit)
#   are opened and held. The daemon must log "file-descriptor limit reached", not crash, not
#   reap the live holder (its liveness checks read /proc while no descriptor is free), and log
#   "accepting connections again" once they close; then every frame the flood connections sent
#   (accepted at once or later) must be counted, and a new allocgen -q run must MATCH.
#
# Usage: reliability/connections.sh [--quick]   (--quick: 300 clients in part 1)
# Knobs: CLIENTS, FD_LIMIT=256, FLOOD=400, HOLD_S=8, TRACKER_JAR, REL_BUILD=head, REL_KEEP=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_quick "$@"

CLIENTS="${CLIENTS:-$([ "$quick" = 1 ] && echo 300 || echo 1000)}"
FD_LIMIT="${FD_LIMIT:-256}"
FLOOD="${FLOOD:-400}"
HOLD_S="${HOLD_S:-8}"
command -v prlimit >/dev/null || die "prlimit (util-linux) is needed"

build_tools
freeze_product
log "connections: CLIENTS=$CLIENTS FD_LIMIT=$FD_LIMIT FLOOD=$FLOOD work=$work"

# ---------------- part 1: CLIENTS concurrent connections ----------------
start_daemon many
log "part 1: daemon pid $daemon_pid (open files limit $(awk '/Max open files/ { print $4 }' "/proc/$daemon_pid/limits"))"
t0=$(now)
spawn gpid "$allocgen" -s "$daemon_sock" -k "$CLIENTS" -n 2000 -w 100 -b 1 -D 1 -q -P -t 600 >"$work/many.out" 2>&1
rc=0
wait "$gpid" || rc=$?
forget "$gpid"
t1=$(now)
summary_line=$(grep '^clients=' "$work/many.out" || true)
match=$(grep -o 'MATCH\|MISMATCH' "$work/many.out" | tail -1 || true)
expect '[ $rc = 0 ] && [ "$(field failures "$summary_line")" = 0 ]' \
    "$CLIENTS clients, one connection each: every client's QUERY answered on its own connection (allocgen exit $rc, failures=$(field failures "$summary_line"), $(field msgs_per_s "$summary_line") msgs/s)"
expect '[ "$match" = MATCH ]' "the final QUERY matches the $CLIENTS clients' live sets: $(grep '^query' "$work/many.out" | cut -c1-120)"
peak_open=$(awk '/client connected:/ { n++; if (n > m) m = n } /client disconnected:/ { n-- } END { print m + 0 }' "$daemon_log")
expect '[ "$peak_open" -ge "$CLIENTS" ]' "connections open at once (from the daemon's log): $peak_open"
committed=$(trk wait-committed "$daemon_ctl" "$daemon_db" --timeout 180) || true
read -r received ecommitted <<<"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("events_received"), d.get("events_committed"))' "$committed")"
expect '[ "$received" = $((CLIENTS * 2000)) ] && [ "$ecommitted" = "$received" ]' \
    "every event received and committed: $ecommitted of $((CLIENTS * 2000))"
# the clients exited after the final QUERY: each must be reaped with its 100 records
t_reap0=$(now)
deadline=$((SECONDS + 300))
while :; do
    n=$(cli sql --db "$daemon_db" --format csv "SELECT COUNT(*) FROM reaps" | tail -1)
    [ "$n" -ge "$CLIENTS" ] || [ $SECONDS -ge $deadline ] && break
    sleep 0.5
done
reap_s=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t1")
exp=$(python3 "$rel/trk.py" allocgen-expect 2000 100 4096 0 1)
read -r exp_n exp_b <<<"$(python3 -c 'import json,sys; e=json.loads(sys.argv[1]); print(e["records"], e["bytes"])' "$exp")"
read -r reaped exact <<<"$(cli sql --db "$daemon_db" --format csv \
    "SELECT COUNT(*), SUM(CASE WHEN buffers + cbs + kernels = $exp_n AND buffer_bytes + cb_bytes + kernel_bytes = $exp_b THEN 1 ELSE 0 END) FROM reaps" |
    tail -1 | tr ',' ' ')"
live=$(cli stats --db "$daemon_db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["live_records"])')
expect '[ "$reaped" = "$CLIENTS" ] && [ "$exact" = "$CLIENTS" ] && [ "$live" = 0 ]' \
    "every client reaped once with exactly its $exp_n records: $exact of $reaped reaps exact, $live records left, all reaped ${reap_s} s after allocgen ended"
peak1=$(daemon_peak_mb)
threads=$(awk '/Threads:/ { print $2 }' "/proc/$daemon_pid/status")
stop_daemon
expect '{ [ "$daemon_rc" = 0 ] || [ "$daemon_rc" = 143 ]; } && ! grep -q "could not serve\|internal error\|Exception" "$daemon_log"' \
    "part 1 daemon: no refused connection or error in its log, clean stop; peak memory (VmHWM) $peak1 MiB, $threads threads at the end"

# ---------------- part 2: the file-descriptor limit ----------------
DAEMON_WRAP=(prlimit "--nofile=$FD_LIMIT:$FD_LIMIT" --)
start_daemon fdlimit --reap-interval 1s
DAEMON_WRAP=()
pid_fd=$daemon_pid
log "part 2: daemon pid $daemon_pid, open files limit $(awk '/Max open files/ { print $4 }' "/proc/$daemon_pid/limits"), $(ls "/proc/$daemon_pid/fd" | wc -l) descriptors in use at start"
# a holder: a client that keeps 300-ish records live and stays connected (quiet) throughout
spawn hpid python3 "$rel/reclient.py" --socket "$daemon_sock" --log "$work/holder.log" --status "$work/holder.status" \
    --seed 7 --rate 2000 --window 400 --devices 4 --mix --refcount --stop-after 600 2>>"$work/holder.err"
deadline=$((SECONDS + 60))
until grep -q '^state=paused' "$work/holder.status" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "the holder did not finish its messages"
    sleep 0.1
done
trk wait-committed "$daemon_ctl" "$daemon_db" --timeout 60 >/dev/null || true
line0=$(wc -l <"$daemon_log")
spawn fpid python3 "$rel/flood.py" --socket "$daemon_sock" --count "$FLOOD" --frames 3 --hold "$HOLD_S" \
    --status "$work/flood.status" >"$work/flood.out" 2>&1
deadline=$((SECONDS + 120))
until [ -f "$work/flood.status" ]; do
    [ $SECONDS -lt $deadline ] || break
    sleep 0.1
done
sleep 2
fds_at_limit=$(ls "/proc/$daemon_pid/fd" 2>/dev/null | wc -l)
alive_during=0
kill -0 "$pid_fd" 2>/dev/null && alive_during=1
wait "$fpid" || true
forget "$fpid"
read -r flood_line <"$work/flood.out" || true
log "flood: $flood_line; the daemon had $fds_at_limit descriptors open at the limit"
flood_connected=$(field connected "$flood_line")
flood_frames=$(field frames "$flood_line")
deadline=$((SECONDS + 60))
until tail -n "+$line0" "$daemon_log" | grep -q "accepting connections again"; do
    [ $SECONDS -lt $deadline ] || break
    sleep 0.2
done
limit_line=$(tail -n "+$line0" "$daemon_log" | grep -m1 "file-descriptor limit reached" | cut -c1-160 || true)
# the last "accepting connections again" must come after the last "limit reached" (the daemon
# may also accept one more between the two while the flood holds, when a descriptor frees up)
last_limit=$(tail -n "+$line0" "$daemon_log" | grep -n "file-descriptor limit reached" | tail -1 | cut -d: -f1)
last_again=$(tail -n "+$line0" "$daemon_log" | grep -n "accepting connections again" | tail -1 | cut -d: -f1)
again_line=""
[ -n "$last_again" ] && [ "${last_again:-0}" -gt "${last_limit:-0}" ] &&
    again_line=$(tail -n "+$line0" "$daemon_log" | sed -n "${last_again}p" | cut -c1-160)
limit_times=$(tail -n "+$line0" "$daemon_log" | grep -c "file-descriptor limit reached" || true)
expect '[ -n "$limit_line" ]' "at the limit the daemon said so: \"${limit_line:-nothing}\" ($limit_times such lines)"
expect '[ $alive_during = 1 ] && kill -0 $pid_fd 2>/dev/null && [ $daemon_pid = $pid_fd ]' \
    "no crash: the same daemon (pid $pid_fd) ran through the episode"
expect '[ -n "$again_line" ]' "once connections closed: \"${again_line:-nothing}\""
expect '[ "${flood_connected:-0}" -gt $((FD_LIMIT - 100)) ]' "the flood held $flood_connected connections (the limit is $FD_LIMIT descriptors)"
committed=$(trk wait-committed "$daemon_ctl" "$daemon_db" --timeout 120) || true
unknown=$(cli stats --db "$daemon_db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["unknown_frees"])')
expect '[ "$unknown" = "$flood_frames" ]' \
    "every frame of the flood connections was read, also those accepted only after others closed: $unknown of $flood_frames"
cli dump --db "$daemon_db" --format json >"$work/holder-dump.json"
hold=$(python3 "$rel/model.py" check --log "$work/holder.log" --state "$work/holder.state" --rows "$work/holder-dump.json" --pid "$hpid" || true)
holder_reaps=$(cli sql --db "$daemon_db" --format csv "SELECT COUNT(*) FROM reaps WHERE pid = $hpid" | tail -1)
holder_alive=no
kill -0 "$hpid" 2>/dev/null && grep -q '^state=paused' "$work/holder.status" && holder_alive=yes
holder_reap_line=$(grep -m1 "reaped pid $hpid " "$daemon_log" | cut -c1-60 || true)
expect 'python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(not (r[\"match\"] and r[\"lost\"] == 0))" "$hold" && [ "$holder_reaps" = 0 ]' \
    "the holder (pid $hpid, alive throughout: $holder_alive) kept exactly its records through the episode, never reaped ($(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["rows"], "records in the daemon,", r["full_rows"], "expected,", r["events"], "messages")' "$hold"); reaps of it: $holder_reaps${holder_reap_line:+: $holder_reap_line})"
spawn gpid "$allocgen" -s "$daemon_sock" -k 4 -n 20000 -w 500 -b 8 -D 1 -q -t 120 >"$work/after.out" 2>&1
rc=0
wait "$gpid" || rc=$?
forget "$gpid"
expect '[ $rc = 0 ] && grep -q "> MATCH" "$work/after.out"' "service resumed: a new allocgen -q run MATCHes ($(grep '^query' "$work/after.out" | cut -c1-100))"
errors=$(tail -n "+$line0" "$daemon_log" | grep -c "internal error\|Exception\|reaper pass failed\|OutOfMemory" || true)
log "part 2 log lines about trouble: $(tail -n "+$line0" "$daemon_log" | grep -v "client connected\|client disconnected" | cut -c1-200 | sort | uniq -c | sort -rn | head -8 | tr '\n' ';')"
expect '[ "$errors" = 0 ]' "no exception, internal error or failed reaper pass logged during the episode ($errors lines)"
stop_group "$hpid"
peak2=$(daemon_peak_mb)
stop_daemon
expect '[ "$daemon_rc" = 0 ] || [ "$daemon_rc" = 143 ]' "part 2 daemon: clean stop (exit status $daemon_rc); peak memory (VmHWM) $peak2 MiB"
summary
