#!/usr/bin/env bash
# kill9.sh: kill -9 of the daemon under load, then a restart, KILLS times.
#
# Load during each round: allocgen $LOAD -m 1 -D 2 (LOAD="-k 8 -b 64" by default; a fresh run per round: allocgen does
# not reconnect, so its clients die when the daemon does), and two reconnecting clients
# (reliability/reclient.py, alive through every round, with refcounts, CBs and kernels) that
# log every message they send:
#   A ("quiet") pauses QUIET_MS (> the commit window) before each kill: everything it sent must
#     be in the file, exactly;
#   B ("busy") sends right up to the kill: what it loses is measured (its history count in
#     the file says how many of its messages were committed; the live set must be exactly
#     that prefix of its messages), and must be within the commit window (+ LOSS_SLACK_MS).
# Each round: kill -9, the CLI reads the file of the dead daemon (dump, history counts), then
# a restart on the same database, which must log the unclean stop, reap at start-up (reason
# DEAD_AT_STARTUP) the allocgen clients that died meanwhile with exactly the records the file
# held for them, and hold exactly the rest of what was committed. Then A and B resume: they
# must reconnect and carry on. At the end: a clean stop (nothing lost), and a restart that
# must not report an unclean stop.
#
# Usage: reliability/kill9.sh [--quick]     (default 20 kills, ~6-10 min; --quick: 3 kills)
# Knobs: KILLS, LOAD="-k 8 -b 64" (allocgen options), COMMIT_MS=500 (the daemon's --commit-interval), QUIET_MS (default 2 x COMMIT_MS
#        + 500), LOSS_SLACK_MS=250, SEED, TRACKER_JAR, REL_BUILD=head, REL_KEEP=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_quick "$@"

KILLS="${KILLS:-$([ "$quick" = 1 ] && echo 3 || echo 20)}"
COMMIT_MS="${COMMIT_MS:-500}"
QUIET_MS="${QUIET_MS:-$((2 * COMMIT_MS + 500))}"
LOSS_SLACK_MS="${LOSS_SLACK_MS:-250}"
SEED="${SEED:-$RANDOM}"
LOAD="${LOAD:--k 8 -b 64}"
RANDOM=$SEED

build_tools
freeze_product
log "kill9: KILLS=$KILLS LOAD=\"$LOAD\" COMMIT_MS=$COMMIT_MS QUIET_MS=$QUIET_MS LOSS_SLACK_MS=$LOSS_SLACK_MS SEED=$SEED work=$work"
serve_opts=(--commit-interval "${COMMIT_MS}ms")

# ---- the two reconnecting clients ----
start_client() { # NAME RATE DEVICES
    spawn "cpid_$1" python3 "$rel/reclient.py" --socket "$work/kill9.sock" --log "$work/$1.log" \
        --status "$work/$1.status" --seed "$SEED" --rate "$2" --window 600 --devices "$3" --mix --refcount \
        2>>"$work/$1.err"
}
status_of() { sed -n 's/^state=\([a-z]*\) .* t=\([0-9.]*\)$/\1 \2/p' "$work/$1.status" 2>/dev/null; }
pause_client() { # NAME PID: returns when it says it paused
    local t0 st t deadline=$((SECONDS + 20))
    t0=$(now)
    kill -USR1 "$2"
    while :; do
        read -r st t <<<"$(status_of "$1")"
        [ "$st" = paused ] && python3 -c "import sys; sys.exit(not float(sys.argv[1]) >= float(sys.argv[2]))" "$t" "$t0" && return 0
        [ $SECONDS -lt $deadline ] || { log "client $1 did not pause"; return 1; }
        sleep 0.02
    done
}
last_connect_t() { awk 'BEGIN { t = "0" } $1 == "C" { t = $3 } END { print t }' "$work/$1.log"; }

start_daemon kill9 "${serve_opts[@]}"
log "daemon pid $daemon_pid"
start_client A 1000 1,2
start_client B 2000 0,3
sleep 1

hist_prev_A=0 hist_prev_B=0
behind_max=0 lag_max=0 ok_A_prefix=0 A_lost_total=0 behind_base=0 rounds_nothing_held=0 base_note=""
ok_open=0 ok_unclean=0 ok_A=0 ok_B=0 ok_B_window=0 ok_reaped=0 ok_same=0 ok_reconnect=0
lost_total=0 lost_max_ms=0 lost_events_max=0 dead_reaps=0 restart_times=()
printf '%-5s %-6s %-14s %-8s %-8s %-6s %-11s %-11s %-7s %-9s %s\n' round load_s behind/lag_ms B_events B_lost A_lost \
    lost_age_ms allocgen_rw reaped restart_s notes | tee -a "$report" >&2

# history counts of A and B in the (stopped) daemon's file
hist_counts() {
    file_cli sql --db "$daemon_db" --format csv \
        "SELECT pid, SUM(event_count) AS n FROM event_chunks WHERE pid IN ($cpid_A, $cpid_B) GROUP BY pid" |
        awk -F, -v a="$cpid_A" -v b="$cpid_B" '$1 == a { ha = $2 } $1 == b { hb = $2 } END { print ha + 0, hb + 0 }'
}

for round in $(seq 1 "$KILLS"); do
    notes=""
    # shellcheck disable=SC2086
    spawn gpid "$allocgen" -s "$daemon_sock" $LOAD -n 1000000000 -w 1000 -D 2 -m 1 -P -t 60 \
        >"$work/allocgen-$round.out" 2>&1
    load_ms=$((2000 + RANDOM % 2000))
    sleep "$(awk -v m=$load_ms 'BEGIN { print m / 1000 }')"
    pause_client A "$cpid_A" || notes+="A-no-pause "
    sleep "$(awk -v m="$QUIET_MS" 'BEGIN { print m / 1000 }')"
    # what the daemon itself says just before the kill: events received but not yet committed
    # (after a restart events_received also counts the events of earlier runs, events_committed
    # only this run's: the difference measured right after the restart is taken off)
    read -r behind lag_ms <<<"$(python3 "$rel/trk.py" ctl --timeout 5 "$daemon_ctl" -- stats --db "$daemon_db" --format json 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin)["daemon"]; print(d["events_received"] - d["events_committed"] - int(sys.argv[1]), round(d["commit_lag_ms"]))' "$behind_base" 2>/dev/null || echo "? ?")"
    [ "$behind" = "?" ] || { [ "$behind" -gt "$behind_max" ] && behind_max=$behind; [ "$lag_ms" -gt "$lag_max" ] && lag_max=$lag_ms; } || true
    # ---- the kill ----
    t_kill=$(now)
    kill -KILL "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
    forget "$daemon_pid"
    # allocgen's clients fail on their next send and exit: wait for them
    deadline=$((SECONDS + 30))
    while kill -0 "$gpid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    kill -0 "$gpid" 2>/dev/null && { notes+="allocgen-stuck "; kill -KILL -- "-$gpid"; }
    wait "$gpid" 2>/dev/null || true
    forget "$gpid"
    sleep 0.3   # B meets the dead daemon: it warns once and drops
    pause_client B "$cpid_B" || notes+="B-no-pause "

    # ---- what the file of the dead daemon holds ----
    rc=0
    file_cli dump --db "$daemon_db" --format json >"$work/committed-$round.json" 2>"$work/committed-$round.err" || rc=$?
    if [ $rc = 0 ]; then ok_open=$((ok_open + 1)); else notes+="file-dump-rc=$rc "; fi
    read -r hist_A hist_B <<<"$(hist_counts)"
    resA=$(python3 "$rel/model.py" check --log "$work/A.log" --state "$work/A.state" --rows "$work/committed-$round.json" \
        --pid "$cpid_A" --kill-time "$t_kill" --committed $((hist_A - hist_prev_A)) || true)
    resB=$(python3 "$rel/model.py" check --log "$work/B.log" --state "$work/B.state" --rows "$work/committed-$round.json" \
        --pid "$cpid_B" --kill-time "$t_kill" --committed $((hist_B - hist_prev_B)) || true)
    hist_prev_A=$hist_A hist_prev_B=$hist_B
    echo "round $round A $resA" >>"$work/model.txt"
    echo "round $round B $resB" >>"$work/model.txt"
    read -r A_match A_lost <<<"$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["match"], r.get("lost"))' "$resA")"
    read -r B_match B_events B_lost B_age <<<"$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["match"], r["events"], r.get("lost"), r.get("lost_age_ms", 0))' "$resB")"
    if [ "$A_match" = True ]; then
        ok_A_prefix=$((ok_A_prefix + 1))
        A_lost_total=$((A_lost_total + A_lost))
        [ "$A_lost" = 0 ] && ok_A=$((ok_A + 1)) || notes+="A-lost "
    else
        notes+="A-not-a-prefix "
    fi
    if [ "$B_match" = True ]; then
        ok_B=$((ok_B + 1))
        lost_total=$((lost_total + B_lost))
        [ "$B_lost" -gt "$lost_events_max" ] && lost_events_max=$B_lost
        python3 -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))" "$B_age" "$lost_max_ms" && lost_max_ms=$B_age
        python3 -c "import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]))" "$B_age" $((COMMIT_MS + LOSS_SLACK_MS)) &&
            ok_B_window=$((ok_B_window + 1)) || notes+="B-lost-beyond-window "
    else
        notes+="B-not-a-prefix "
    fi

    # ---- restart on the same database ----
    marker_line=$(($(wc -l <"$work/kill9.log") + 1))
    t_restart=$(now)
    start_daemon kill9 "${serve_opts[@]}"
    restart_s=$(python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t_restart")
    restart_times+=("$restart_s")
    if tail -n "+$marker_line" "$work/kill9.log" | grep -q "did not stop cleanly"; then
        ok_unclean=$((ok_unclean + 1))
    else
        notes+="no-unclean-line "
    fi
    # start-up reaps and the live set the restarted daemon holds
    cli sql --db "$daemon_db" --format csv \
        "SELECT pid, reason, buffers + cbs + kernels AS records, buffer_bytes + cb_bytes + kernel_bytes AS bytes, reaped_at FROM reaps" \
        >"$work/reaps-$round.csv"
    cli dump --db "$daemon_db" --format json >"$work/after-$round.json"
    verdict=$(python3 - "$work/committed-$round.json" "$work/after-$round.json" "$work/reaps-$round.csv" \
        "$work/allocgen-$round.out" "$t_kill" "$cpid_A" "$cpid_B" <<'EOF'
import csv, datetime, json, sys
committed, after, reaps_csv, gen_out, t_kill, a, b = sys.argv[1:]
t_kill = float(t_kill)
rows = json.load(open(committed))
def row_key(r):
    return (r["pid"], r["kind"], r["device_id"], r["buffer_id"], r["size"], r["ref_count"], r["type"], r["allocated_at"])
gen_pids = {int(l.split("=")[1]) for l in open(gen_out) if l.startswith("client pid=")}
held = {}
for r in rows:
    if r["pid"] in gen_pids:
        n, s = held.get(r["pid"], (0, 0))
        held[r["pid"]] = (n + 1, s + r["size"])
def epoch(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
reaps = [r for r in csv.DictReader(open(reaps_csv))]
problems = []
exact = 0
for pid, (n, s) in held.items():
    mine = [r for r in reaps if int(r["pid"]) == pid and epoch(r["reaped_at"]) >= t_kill - 1]
    if len(mine) == 1 and mine[0]["reason"] == "DEAD_AT_STARTUP" and int(mine[0]["records"]) == n and int(mine[0]["bytes"]) == s:
        exact += 1
    else:
        problems.append("pid %d held %d/%d: %s" % (pid, n, s, [(r["reason"], r["records"], r["bytes"]) for r in mine]))
ab_reaped = [r for r in reaps if int(r["pid"]) in (int(a), int(b))]
if ab_reaped:
    problems.append("a live reconnecting client was reaped: %s" % ab_reaped[:2])
expected_after = {row_key(r) for r in rows if r["pid"] not in held}
got_after = {row_key(r) for r in json.load(open(after))}
same = expected_after == got_after
if not same:
    problems.append("after restart: %d rows missing, %d unexpected" % (len(expected_after - got_after), len(got_after - expected_after)))
print(len(held), exact, "same" if same else "differs", sum(n for n, _ in held.values()), "|", "; ".join(problems))
EOF
)
    read -r g_held g_exact g_same g_rows _ <<<"$verdict"
    dead_reaps=$((dead_reaps + g_exact))
    [ "$g_held" -gt 0 ] || { rounds_nothing_held=$((rounds_nothing_held + 1)); notes+="no-allocgen-record-committed "; }
    [ "$g_held" = "$g_exact" ] && [ -z "$(sed 's/^[^|]*| *//' <<<"$verdict")" ] &&
        ok_reaped=$((ok_reaped + 1)) || notes+="reap:$(sed 's/^[^|]*| *//' <<<"$verdict" | cut -c1-200) "
    # the daemon's own figures right after the restart (A and B paused, no allocgen yet)
    read -r behind_base received_after_restart <<<"$(python3 "$rel/trk.py" ctl --timeout 10 "$daemon_ctl" -- stats --db "$daemon_db" --format json 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin)["daemon"]; print(d["events_received"] - d["events_committed"], d["events_received"])' 2>/dev/null || echo "0 ?")"
    [ "$behind_base" = 0 ] || base_note="after a restart the daemon's stats report events_received $received_after_restart (all runs) against events_committed of this run only: the two never meet again"
    [ "$g_same" = same ] && ok_same=$((ok_same + 1))

    # ---- the reconnecting clients carry on ----
    kill -USR2 "$cpid_A" "$cpid_B"
    deadline=$((SECONDS + 20))
    while :; do
        ca=$(last_connect_t A) cb=$(last_connect_t B)
        if python3 -c "import sys; sys.exit(not (float(sys.argv[1]) > float(sys.argv[3]) and float(sys.argv[2]) > float(sys.argv[3])))" "$ca" "$cb" "$t_restart"; then
            ok_reconnect=$((ok_reconnect + 1))
            break
        fi
        [ $SECONDS -lt $deadline ] || { notes+="no-reconnect "; break; }
        sleep 0.1
    done
    printf '%-5s %-6s %-14s %-8s %-8s %-6s %-11s %-11s %-7s %-9s %s\n' "$round" "$(awk -v m=$load_ms 'BEGIN { print m / 1000 }')" \
        "$behind/$lag_ms" "$B_events" "$B_lost" "$A_lost" "$B_age" "$g_held/$g_rows" "$g_exact" "$restart_s" "${notes:-ok}" | tee -a "$report" >&2
done

# ---- a clean stop loses nothing; the next start does not report an unclean stop ----
pause_client A "$cpid_A" || true
pause_client B "$cpid_B" || true
sleep "$(awk -v m="$QUIET_MS" 'BEGIN { print m / 1000 }')"
peak=$(daemon_peak_mb)
stop_daemon
expect '{ [ "$daemon_rc" = 0 ] || [ "$daemon_rc" = 143 ]; } && tail -3 "$work/kill9.log" | grep -q "stopped:"' \
    "clean stop with SIGTERM after the last round (exit status $daemon_rc, \"stopped:\" logged)"
file_cli dump --db "$daemon_db" --format json >"$work/final.json"
read -r hist_A hist_B <<<"$(hist_counts)"
finA=$(python3 "$rel/model.py" check --log "$work/A.log" --state "$work/A.state" --rows "$work/final.json" --pid "$cpid_A" \
    --committed $((hist_A - hist_prev_A)) || true)
finB=$(python3 "$rel/model.py" check --log "$work/B.log" --state "$work/B.state" --rows "$work/final.json" --pid "$cpid_B" \
    --committed $((hist_B - hist_prev_B)) || true)
echo "final A $finA" >>"$work/model.txt"
echo "final B $finB" >>"$work/model.txt"
expect 'python3 -c "import json,sys; a,b=(json.loads(x) for x in sys.argv[1:]); sys.exit(not (a[\"match\"] and b[\"match\"] and a[\"lost\"] == 0 and b[\"lost\"] == 0))" "$finA" "$finB"' \
    "after the clean stop the file holds exactly what A and B sent since the last restart (A: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["events"], "messages,", r["rows"], "records")' "$finA"); B: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["events"], "messages,", r["rows"], "records")' "$finB"))"
marker_line=$(($(wc -l <"$work/kill9.log") + 1))
start_daemon kill9 "${serve_opts[@]}"
expect '! tail -n "+$marker_line" "$work/kill9.log" | grep -q "did not stop cleanly"' \
    "a start after the clean stop does not report an unclean stop"
stop_daemon
stop_group "$cpid_A"
stop_group "$cpid_B"

# ---- verdicts over all rounds ----
sorted_restarts=$(printf '%s\n' "${restart_times[@]}" | sort -g)
restart_med=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' <<<"$sorted_restarts")
restart_max=$(tail -1 <<<"$sorted_restarts")
expect '[ $ok_open = $KILLS ]' "the database opened after every kill -9: the CLI read the dead daemon's file $ok_open/$KILLS times, the daemon restarted $KILLS/$KILLS times (restart to ready: median $restart_med s, max $restart_max s)"
expect '[ $ok_unclean = $KILLS ]' "the restarted daemon logged \"did not stop cleanly\" $ok_unclean/$KILLS times"
expect '[ $ok_A_prefix = $KILLS ]' "quiet client A: the file held exactly the prefix of its messages that its committed history counts, $ok_A_prefix/$KILLS rounds"
expect '[ $ok_A = $KILLS ]' "quiet client A (paused ${QUIET_MS} ms before each kill): everything it sent was in the file, $ok_A/$KILLS rounds ($A_lost_total of its messages lost in all)"
expect '[ $ok_B = $KILLS ]' "busy client B: the file held exactly the prefix of its messages that its committed history counts, $ok_B/$KILLS rounds"
log "just before the kills the daemon reported up to $behind_max events received but not committed, commit lag up to $lag_max ms"
expect '[ $ok_B_window = $KILLS ]' "busy client B lost at most ${lost_max_ms} ms of messages before the kill (commit window ${COMMIT_MS} ms + ${LOSS_SLACK_MS} ms slack) in $ok_B_window/$KILLS rounds; at most $lost_events_max messages in one round, $lost_total in all"
expect '[ $ok_reaped = $KILLS ]' "allocgen clients that died while the daemon was down were reaped at start-up (DEAD_AT_STARTUP) with exactly the records the file held: $dead_reaps processes, $ok_reaped/$KILLS rounds ($rounds_nothing_held rounds in which none of their records had been committed)"
[ -z "$base_note" ] || log "NOTE  $base_note"
expect '[ $ok_same = $KILLS ]' "after each restart the daemon held exactly the committed live set minus the reaped processes: $ok_same/$KILLS rounds"
expect '[ $ok_reconnect = $KILLS ]' "A and B reconnected after each restart and carried on: $ok_reconnect/$KILLS rounds"
log "database $(du -h "$daemon_db.mv.db" | cut -f1); last run's peak memory (VmHWM) $peak MiB; A and B: $(grep -c '^C' "$work/A.log") and $(grep -c '^C' "$work/B.log") connections, $(grep -c '^K' "$work/A.log") and $(grep -c '^K' "$work/B.log") messages sent, $(grep -c '^D' "$work/A.log") and $(grep -c '^D' "$work/B.log") dropped while the daemon was down"
cp "$work/model.txt" "$run_out/model.txt"
summary
