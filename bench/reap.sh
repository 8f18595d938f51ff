#!/usr/bin/env bash
# Reaping a big dead process: how long it takes, and whether other clients stall meanwhile.
#
# Each trial, on a fresh daemon and database:
#   1. a probe (bench/qprobe.c) sends QUERY frames on its own connection in a loop
#      (PROBE_PAUSE_US between round trips) and records every round trip;
#   2. a background allocgen -b 1 stream (one client, what TT-Metal does) runs for the
#      whole trial at full speed;
#   3. after WARM_S seconds, WARMUP_REAPS smaller victims (WARMUP_LIVE buffers each) are
#      killed and reaped first, so that the timed reap meets a daemon whose JIT has compiled
#      the reap path, like a daemon that has been running (WARMUP_REAPS=0: a cold daemon);
#      then a victim (allocgen -k 1 -n LIVE -w LIVE -x -H 600000) sends
#      LIVE allocations that all stay live and holds them; as soon as all LIVE records are
#      committed (sql on allocations), it is killed with SIGKILL, so the reap is timed alone
#      and not behind the commit of the victim's own allocations;
#   4. reap time = from the victim's death (pidfd) until its audit record is visible in
#      `tracker sql "SELECT COUNT(*) FROM reaps WHERE pid = P"` through the daemon's command
#      socket (polled every 10 ms; the record is written in the reap's own transaction);
#      the daemon's "reaped pid P" log line gives a second reading;
#   5. stall = the worst probe round trip overlapping [death, committed], compared with the
#      median round trip outside that window (same trial, same load); the worst round trip
#      outside the window (while the victim sends and its records commit) is shown too.
# Prints each trial and the medians over REPEATS trials.
#
# Usage: bench/reap.sh        (about 3 minutes on a loaded 2-core machine)
# Knobs (environment): REPEATS=3 LIVE=100000 WARM_S=2 PROBE_PAUSE_US=1000 WARMUP_REAPS=2 WARMUP_LIVE=20000
#   STREAM=1 (0: no background stream, to see the reap's own cost)
#   SERVE_OPTS="" (extra `tracker serve` options)  TRACKER_JAR=path TRACKER_LABEL=text (measure this jar)
# Targets: reap <= 1 s; worst round trip during the reap <= 100 ms.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPEATS="${REPEATS:-3}"
LIVE="${LIVE:-100000}"
WARM_S="${WARM_S:-2}"
PROBE_PAUSE_US="${PROBE_PAUSE_US:-1000}"
STREAM="${STREAM:-1}"
WARMUP_REAPS="${WARMUP_REAPS:-2}"
WARMUP_LIVE="${WARMUP_LIVE:-20000}"
SERVE_OPTS="${SERVE_OPTS:-}"

build_tools
freeze_product
mkdir -p "$bench/out"
raw="$bench/out/reap-$(date +%Y%m%d-%H%M%S).txt"
log "product: $product_label; raw figures: $raw"
echo "# reap.sh $(date -Is) product=$product_label live=$LIVE stream=$STREAM repeats=$REPEATS" >"$raw"

# kill_victim OUT LIVE FIGURES: starts a victim holding LIVE buffers, kills it once they are
# all committed, and waits until it is reaped; reapwatch's figures go to FIGURES. Sets
# victim_pid and vpid (no subshell: it starts processes).
kill_victim() {
    local out=$1 live=$2 figures=$3
    start_group victim_pid "$allocgen" -s "$daemon_sock" -k 1 -n "$live" -w "$live" -b 1 -v 3 -D 1 \
        -x -H 600000 -P -t 600 >"$out" 2>&1
    local deadline=$((SECONDS + 30))
    vpid=""
    until vpid="$(sed -n 's/^client pid=\([0-9]*\).*/\1/p' "$out")" && [ -n "$vpid" ]; do
        [ $SECONDS -lt $deadline ] || die "the victim did not start: $(cat "$out")"
        sleep 0.01
    done
    python3 "$bench/reapwatch.py" wait --pid "$vpid" --ctl "$daemon_ctl" --db "$daemon_db" \
        --held "$live" --cli "$tracker" --interval 0.01 --timeout 300 >"$figures" ||
        die "pid $vpid was not reaped: $(cat "$figures")"
}

# trial I -> sets t_analysis (no subshell: it starts processes)
trial() {
    local i=$1 probe_out="$work/probe-$i.txt" victim_out="$work/victim-$i.txt" waited analysis w
    rm -f "$work"/reap.*
    # shellcheck disable=SC2086
    start_daemon reap $SERVE_OPTS
    start_group probe_pid "$qprobe" "$daemon_sock" "$probe_out" "$PROBE_PAUSE_US"
    stream_pid=""
    if [ "$STREAM" = 1 ]; then
        start_group stream_pid "$allocgen" -s "$daemon_sock" -k 1 -n 4000000000 -w 1000 -b 1 -v 3 -D 1 -t 3600
    fi
    sleep "$WARM_S"
    for ((w = 1; w <= WARMUP_REAPS; w++)); do
        kill_victim "$work/warmup-$i-$w.txt" "$WARMUP_LIVE" "$work/warmup-$i-$w.figures"
        wait "$victim_pid" 2>/dev/null || true
        forget_pid "-$victim_pid"
    done
    kill_victim "$victim_out" "$LIVE" "$work/victim-$i.figures"
    waited="$(cat "$work/victim-$i.figures")"
    sleep 1 # round trips after the reap, for the baseline
    stop_group "$probe_pid"
    [ -z "$stream_pid" ] || stop_group "$stream_pid"
    wait "$victim_pid" 2>/dev/null || true
    forget_pid "-$victim_pid"
    analysis="$(python3 "$bench/reapwatch.py" analyze --probe "$probe_out" \
        --death "$(field death "$waited")" --committed "$(field committed "$waited")" \
        --log "$daemon_log" --pid "$vpid")"
    stop_daemon
    echo "trial $i victim pid=$vpid $(grep '^clients=' "$victim_out") $waited $analysis" >>"$raw"
    t_analysis="$analysis"
}

declare -a REAP LOGGED DURING OUTSIDE RATIO WORST_OUT
printf '%-6s %8s %10s %8s %16s %17s %7s %16s\n' trial "reap s" "by log s" buffers "worst RTT ms" "median RTT ms" ratio \
    "worst RTT ms"
printf '%-6s %8s %10s %8s %16s %17s %7s %16s\n' "" "" "" "" "during reap" "outside reap" "" "outside reap"
for ((i = 1; i <= REPEATS; i++)); do
    log "trial $i/$REPEATS"
    trial "$i"
    a="$t_analysis"
    reap="$(field reap_s "$a")"; logged="$(field reap_log_s "$a")"
    during="$(field rtt_during_max_ms "$a")"; outside="$(field rtt_outside_median_ms "$a")"
    ratio="$(python3 -c "print('%.0f' % ($during / $outside))")"
    worst_out="$(field rtt_outside_max_ms "$a")"
    REAP+=("$reap"); LOGGED+=("$logged"); DURING+=("$during"); OUTSIDE+=("$outside"); RATIO+=("$ratio")
    WORST_OUT+=("$worst_out")
    printf '%-6s %8s %10s %8s %16s %17s %7s %16s\n' "$i" "$reap" "$logged" "$(field removed_buffers "$a")" \
        "$during" "$outside" "$ratio" "$worst_out"
done

med() { printf '%s\n' "$@" | median; }
m_reap="$(med "${REAP[@]}")"; m_during="$(med "${DURING[@]}")"
printf '%-6s %8s %10s %8s %16s %17s %7s %16s\n' median "$m_reap" "$(med "${LOGGED[@]}")" "" \
    "$m_during" "$(med "${OUTSIDE[@]}")" "$(med "${RATIO[@]}")" "$(med "${WORST_OUT[@]}")" | tee -a "$raw"
echo "reap of $LIVE live buffers, $([ "$STREAM" = 1 ] && echo "with a -b 1 stream" || echo "no stream") and a QUERY probe running; product $product_label"
echo "targets: reap <= 1 s: $(python3 -c "print('met' if $m_reap <= 1.0 else 'MISSED')");" \
    "worst round trip during the reap <= 100 ms: $(python3 -c "print('met' if $m_during <= 100 else 'MISSED')")"
echo "host: $(nproc) cpus; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); per-trial figures: $raw"
