#!/usr/bin/env bash
# fuzz.sh: hostile input through real sockets, next to well-behaved clients.
#
# One daemon (fresh database in a mktemp -d folder). Hostile processes (reliability/hostile.c,
# one process per kind, so the daemon's per-connection log lines can be summed per kind):
#   absurd      plausible frames with one absurd field (unknown/reply types, device ids -1,
#               1024, INT_MIN.., buffer_type 5..255, size 0 and > 1 TiB, pid <= 0, bad QUERY
#               and DEVICE_INFO_QUERY devices), 9 in every 20 frames, written in random pieces
#   randframes  random 144-byte frames; randbytes: random byte streams ending anywhere
#   truncated   connections ending inside a frame (and lone 72/112-byte legacy tails)
#   wrongsize   72- and 112-byte clients; stall: a 72/112-byte QUERY waiting for a reply
#   slow        frames written one byte at a time; requests: QUERY/DEVICE_INFO_QUERY among
#               bad frames, every reply checked; dump: DUMP_REMAINING/DUMP_KERNELS requests
#   reqclose    a request with a device out of range then 5 FREEs, closed without reading the
#               reply: what the daemon reads of it is measured and reported (a NOTE line)
# Meanwhile allocgen -q runs in a loop (varied -k, -b, -w, -m 1); each run's final QUERY must
# MATCH. The hostile frames are built so that the daemon's counts are known exactly.
#
# Checks: the daemon stays up (same pid); every allocgen run MATCHes; malformed_frames and
# unknown_frees equal exactly what the hostile processes sent; the per-connection log lines add
# up to the same per kind; no connection that should stay open was closed, every reply was
# right; at least FRAMES hostile frames were counted; every allocgen client was reaped with
# exactly the live set it left (records and bytes per kind); nothing left live; nothing the
# hostile processes sent was kept; events_committed == events_received; a clean stop.
#
# Usage: reliability/fuzz.sh [--quick]     (full: >= 1,000,000 hostile frames, ~5-10 min on 2
#        busy cores; --quick: >= 50,000, about 1-2 min)
# Knobs: FRAMES (hostile frames to reach), SEED, SERVE_OPTS, TRACKER_JAR, REL_BUILD=head, REL_KEEP=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_quick "$@"

SEED="${SEED:-$RANDOM}"
if [ "$quick" = 1 ]; then
    FRAMES="${FRAMES:-50000}"
else
    FRAMES="${FRAMES:-1000000}"
fi
SERVE_OPTS="${SERVE_OPTS:-}"
# how many connections each kind makes, per 1,000,000 frames aimed at (absurd: bad frames)
scale() { python3 -c "import sys; print(max(int(sys.argv[2]), int(int(sys.argv[1]) * $FRAMES / 1000000)))" "$1" "${2:-1}"; }

build_tools
freeze_product
log "fuzz: FRAMES=$FRAMES SEED=$SEED quick=$quick work=$work"
# shellcheck disable=SC2086
start_daemon fuzz $SERVE_OPTS
log "daemon pid $daemon_pid on $daemon_sock"
pid0=$daemon_pid

# ---- hostile processes, in parallel ----
absurd_each=$(scale 410000)
declare -A kinds=(
    [absurd1]="absurd $absurd_each"
    [absurd2]="absurd $absurd_each"
    [randframes]="randframes $(scale 12000)"
    [randbytes]="randbytes $(scale 8000)"
    [truncated]="truncated $(scale 8000)"
    [wrongsize]="wrongsize $(scale 4000)"
    [stall]="stall $(scale 6 2)"
    [slow]="slow $(scale 30 4)"
    [requests]="requests $(scale 400 20)"
    [dump]="dump 6"
    [reqclose]="reqclose $(scale 2000 100)"
)
declare -A hpid=()
i=0
for name in "${!kinds[@]}"; do
    read -r mode count <<<"${kinds[$name]}"
    i=$((i + 1))
    spawn "hpid[$name]" "$hostile" -s "$daemon_sock" -M "$mode" -n "$count" -r $((SEED * 100 + i)) \
        >"$work/hostile-$name.out" 2>"$work/hostile-$name.err"
done
log "hostile processes: ${!kinds[*]}"

# ---- well-behaved allocgen -q runs until the hostile ones are done ----
configs=(
    "-k 4 -n 50000 -w 1000 -b 1 -z 4096 -m 0"
    "-k 4 -n 100000 -w 2000 -b 64 -z 4096 -m 1"
    "-k 2 -n 30001 -w 500 -b 7 -z 1000 -m 1"
    "-k 8 -n 20000 -w 300 -b 16 -z 8192 -m 0"
)
runs=0 runs_ok=0 runs_bad=0 client_msgs=0
expect_file="$work/allocgen-expect.txt"   # pid n w z mix t_start t_end
: >"$expect_file"
hostile_running() {
    local p
    for p in "${hpid[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
    return 1
}
reap_waits=()   # seconds from an allocgen -q run's end until device 0 was empty again
run_allocgen() {
    local cfg="$1" o="$work/allocgen-$runs.out" t0 t1 rc=0 waited
    # device 0 totals are global: the previous run's clients must have been reaped first
    waited=$(trk wait-empty "$daemon_sock" 0 --timeout 120) || log "device 0 not empty after 120 s"
    [ $runs = 0 ] || reap_waits+=("$waited")
    t0=$(now)
    # shellcheck disable=SC2086
    spawn apid "$allocgen" -s "$daemon_sock" $cfg -D 1 -q -P -t 300 >"$o" 2>&1
    wait "$apid" || rc=$?
    forget "$apid"
    t1=$(now)
    local k n w b z mix summary match apid
    read -r k n w b z mix <<<"$(sed 's/-[a-z] //g' <<<"$cfg")"
    summary=$(grep '^clients=' "$o" || true)
    match=$(grep -o 'MATCH\|MISMATCH' "$o" | tail -1 || true)
    if [ "$rc" = 0 ] && [ "$match" = MATCH ]; then
        runs_ok=$((runs_ok + 1))
    else
        runs_bad=$((runs_bad + 1))
        log "allocgen run $runs ($cfg) rc=$rc: $(tr '\n' ' ' <"$o" | cut -c1-400)"
    fi
    client_msgs=$((client_msgs + $(field msgs "$summary")))
    sed -n 's/^client pid=//p' "$o" | while read -r p; do
        echo "$p $n $w $z $mix $t0 $t1" >>"$expect_file"
    done
    runs=$((runs + 1))
}
t_fuzz=$SECONDS
max_runs=$((quick ? 40 : 400))
while hostile_running && [ $runs -lt $max_runs ]; do
    run_allocgen "${configs[$((runs % ${#configs[@]}))]}"
    kill -0 "$daemon_pid" 2>/dev/null || break
done
for name in "${!hpid[@]}"; do
    wait "${hpid[$name]}" 2>/dev/null || log "hostile $name exited with $?: $(head -3 "$work/hostile-$name.err")"
    forget "${hpid[$name]}"
done
fuzz_s=$((SECONDS - t_fuzz))
log "hostile processes done in $fuzz_s s; $runs allocgen -q runs meanwhile"
expect 'kill -0 $daemon_pid 2>/dev/null && [ $daemon_pid = $pid0 ]' \
    "the daemon stayed up through the storm (pid $daemon_pid, peak memory $(daemon_peak_mb) MiB)"
# one more well-behaved run after the storm
run_allocgen "${configs[1]}"
waited=$(trk wait-empty "$daemon_sock" 0 --timeout 120) || true
reap_waits+=("$waited")
reap_max=$(printf '%s\n' "${reap_waits[@]}" | sort -g | tail -1)
reap_median=$(printf '%s\n' "${reap_waits[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
log "reaping: from the end of an allocgen -q run (its clients exit) until device 0 is empty: median ${reap_median} s, max ${reap_max} s over ${#reap_waits[@]} runs"
expect '[ $runs_bad = 0 ] && [ $runs_ok -ge 2 ]' \
    "well-behaved allocgen -q clients: $runs_ok of $runs runs MATCH (DRAM/L1 of their live sets exact), $client_msgs messages"

# ---- what the hostile processes expect, per kind ----
# every kind but reqclose is exactly countable; reqclose is measured (see below)
sum_h() { cat "$work"/hostile-*.out | grep -v "mode=reqclose" | sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'; }
sum_all() { cat "$work"/hostile-*.out | sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'; }
exp_malformed=$(sum_h expect_malformed)
exp_unknown=$(sum_h expect_unknown_frees)
bad_sent=$(sum_all bad_sent)
frames_sent=$(sum_all frames_sent)
hconns=$(sum_all connections)
unexpected=$(sum_h unexpected_closes)
replies_ok=$(sum_h replies_ok)
replies_bad=$(sum_h replies_bad)
stall_ms=$(cat "$work"/hostile-stall.out | sed -n 's/.*stall_max_ms=\([0-9]*\).*/\1/p')
for f in "$work"/hostile-*.out; do log "  $(cat "$f")"; done
# a QUERY / DEVICE_INFO_QUERY with a device out of range: counted as malformed; answered or not
rej=$(cat "$work"/hostile-absurd*.out | sed -n 's/.*rejected_requests=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
back=$(cat "$work"/hostile-absurd*.out | sed -n 's/.*bytes_back=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
log "rejected requests (QUERY/DEVICE_INFO_QUERY, device out of range) among the absurd frames: $rej; replies the daemon wrote back for them: $((back / 144)) ($back bytes)"

# ---- wait for the reaper (every client gone) and the writer ----
deadline=$((SECONDS + 120))
while :; do
    live=$(cli stats --db "$daemon_db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["live_records"])')
    [ "$live" = 0 ] || [ $SECONDS -ge $deadline ] && break
    sleep 0.5
done
committed=$(trk wait-committed "$daemon_ctl" "$daemon_db" --timeout 120 || true)
cli stats --db "$daemon_db" --format json >"$work/stats.json"
read -r malformed unknown events live reaps received ecommitted accepted <<<"$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); c = s["counters"]; d = s["daemon"] or {}
print(c["malformed_frames"], c["unknown_frees"], c["events"], c["live_records"], c["reaps"],
      d.get("events_received"), d.get("events_committed"), d.get("connections_accepted"))' "$work/stats.json")"

# reqclose: a request with a device out of range and 5 FREEs in one write, then close without
# reading. What the daemon read of it: malformed from its log lines, FREEs from its history.
rq_pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$work/hostile-reqclose.out")
rq_sent_free=$(sed -n 's/.*expect_unknown_frees=\([0-9]*\).*/\1/p' "$work/hostile-reqclose.out")
rq_sent_bad=$(sed -n 's/.*expect_malformed=\([0-9]*\).*/\1/p' "$work/hostile-reqclose.out")
rq_free=$(cli sql --db "$daemon_db" --format csv "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks WHERE pid = $rq_pid" | tail -1)
rq_bad=$(grep "client disconnected: pid $rq_pid," "$daemon_log" | sed -n 's/.*, \([0-9]*\) malformed.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
rq_lost=$(grep "client disconnected: pid $rq_pid," "$daemon_log" | grep -vc "(closed by client)" || true)
log "NOTE  requests whose reply nobody reads (reqclose): the daemon read $rq_bad of $rq_sent_bad requests and $rq_free of the $rq_sent_free FREEs sent after them; $rq_lost of its connections ended otherwise than \"closed by client\": $(grep "client disconnected: pid $rq_pid," "$daemon_log" | sed 's/.*(\(.*\))$/\1/' | sort | uniq -c | sort -rn | head -3 | tr -s ' ' | tr '\n' ';')"
expect '[ "$malformed" = $((exp_malformed + rq_bad)) ]' \
    "malformed_frames counted by the daemon: $malformed; sent (exactly countable): $exp_malformed, + $rq_bad read of reqclose"
expect '[ "$unknown" = $((exp_unknown + rq_free)) ]' \
    "unknown_frees: $unknown; the well-formed FREEs of never-allocated keys mixed in: $exp_unknown, + $rq_free read of reqclose"
expect '[ "$bad_sent" -ge "$FRAMES" ] && [ "$malformed" -ge "$FRAMES" ]' \
    "hostile frames: $bad_sent sent ($frames_sent frames in all, $hconns connections), $malformed counted; target $FRAMES"
expect '[ "$events" = $((client_msgs + exp_unknown)) ]' \
    "events counter $events = allocgen messages $client_msgs + unknown frees $exp_unknown (nothing hostile applied)"
expect '[ "$unexpected" = 0 ] && [ "$replies_bad" = 0 ]' \
    "no connection closed that should have stayed open ($unexpected), every reply right ($replies_ok ok, $replies_bad wrong)"
expect '[ -n "$stall_ms" ] && [ "$stall_ms" -ge 900 ] && [ "$stall_ms" -le 5000 ]' \
    "a 72/112-byte QUERY waiting for a reply is closed after ${stall_ms} ms (stated: 1 s)"

# per kind, from the daemon's "client disconnected: pid P, ..., M malformed (...)" lines
python3 - "$daemon_log" "$work" >"$work/perkind.txt" <<'EOF'
import glob, re, sys
log, work = sys.argv[1], sys.argv[2]
per_pid, closed_bad = {}, {}
for line in open(log, errors="replace"):
    m = re.search(r"client disconnected: pid (\d+), connection #\d+, \d+ frames(?: in \d+ reads)?(?:, (\d+) malformed)? \(([^)]*)\)", line)
    if m:
        pid = int(m.group(1))
        per_pid[pid] = per_pid.get(pid, 0) + int(m.group(2) or 0)
        if m.group(3) == "closed after malformed frames":
            closed_bad[pid] = closed_bad.get(pid, 0) + 1
bad = 0
for f in sorted(glob.glob(work + "/hostile-*.out")):
    t = dict(kv.split("=") for kv in open(f).read().split()[1:])
    if t["mode"] == "reqclose":
        continue  # measured, not exactly countable
    pid, want = int(t["pid"]), int(t["expect_malformed"])
    got = per_pid.get(pid, 0)
    closes = closed_bad.get(pid, 0)
    ok = got == want
    bad += not ok
    print("%-10s pid %-7d malformed in log %-8d expected %-8d connections closed by the daemon %-6d %s"
          % (t["mode"], pid, got, want, closes, "ok" if ok else "MISMATCH"))
print("mismatches=%d" % bad)
EOF
while read -r line; do log "  $line"; done <"$work/perkind.txt"
expect 'grep -q "^mismatches=0" "$work/perkind.txt"' "per-kind malformed counts in the daemon's log lines equal what each hostile process sent"

# every allocgen client reaped once, with exactly the live set it left
cli sql --db "$daemon_db" --format csv \
    "SELECT pid, reason, buffers, buffer_bytes, cbs, cb_bytes, kernels, kernel_bytes, first_seen FROM reaps" >"$work/reaps.csv"
audit=$(python3 - "$expect_file" "$work/reaps.csv" "$rel" <<'EOF'
import csv, sys, datetime
sys.path.insert(0, sys.argv[3])
import trk
reaps = list(csv.DictReader(open(sys.argv[2])))
def epoch(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
clients = exact = 0
problems = []
used = set()
for line in open(sys.argv[1]):
    pid, n, w, z, mix, t0, t1 = line.split()
    clients += 1
    e = trk.allocgen_expect(int(n), int(w), int(z), int(mix), 1)
    found = [i for i, r in enumerate(reaps) if r["pid"] == pid and float(t0) - 1 <= epoch(r["first_seen"]) <= float(t1) + 1]
    if len(found) != 1:
        problems.append("pid %s: %d reap records" % (pid, len(found)))
        continue
    r = reaps[found[0]]
    used.add(found[0])
    got = tuple(int(r[k]) for k in ("buffers", "buffer_bytes", "cbs", "cb_bytes", "kernels", "kernel_bytes"))
    want = tuple(e[k] for k in ("buffers", "buffer_bytes", "cbs", "cb_bytes", "kernels", "kernel_bytes"))
    if got == want and r["reason"] in ("EXITED", "ZOMBIE"):  # a zombie until allocgen waits for it
        exact += 1
    else:
        problems.append("pid %s: reaped %s %s, expected %s" % (pid, r["reason"], got, want))
others = [r for i, r in enumerate(reaps) if i not in used]
print(clients, exact, len(others), "; ".join(problems[:5]))
EOF
)
read -r a_clients a_exact a_others a_problems <<<"$audit"
expect '[ "$a_clients" -gt 0 ] && [ "$a_clients" = "$a_exact" ]' \
    "every allocgen client reaped exactly once with its exact live set: $a_exact of $a_clients${a_problems:+ ($a_problems)}"
expect '[ "$a_others" = 0 ]' "no other reap records (nothing a hostile process sent was kept): $a_others"
expect '[ "$live" = 0 ] && [ "$reaps" = "$a_clients" ]' "live records left when every client is gone: $live; reaps: $reaps"
expect '[ -n "$received" ] && [ "$received" = "$ecommitted" ]' \
    "events_committed $ecommitted == events_received $received; connections accepted: $accepted"
errors=$(grep -c "internal error\|ledger thread failed\|Exception\|could not serve" "$daemon_log" || true)
expect '[ "$errors" = 0 ]' "no internal error, exception or refused connection in the daemon log ($errors lines)"
log "daemon log: $(wc -l <"$daemon_log") lines, $(du -h "$daemon_log" | cut -f1); database $(du -h "$daemon_db.mv.db" | cut -f1)"
peak=$(daemon_peak_mb)
stop_daemon
# the JVM exits 143 (128 + SIGTERM) after its shutdown hook; the "stopped:" line is the proof
expect '{ [ "$daemon_rc" = 0 ] || [ "$daemon_rc" = 143 ]; } && grep -q "stopped:" "$daemon_log"' \
    "clean stop on SIGTERM (exit status $daemon_rc, \"stopped:\" logged); daemon peak memory (VmHWM) $peak MiB"
file_malformed=$(file_cli stats --db "$daemon_db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["malformed_frames"])')
expect '[ "$file_malformed" = "$malformed" ]' "the file after the stop holds the same malformed_frames ($file_malformed)"
summary
