#!/usr/bin/env bash
# Ingest throughput of `tracker serve` against the socket's physical limit.
#
# For each configuration (clients k, messages per send() b), runs the same
# allocgen command against bench/bin/sink (a server that only reads) and against
# a fresh `tracker serve` (fresh database each run), REPEATS times, interleaved,
# and prints medians:
#   - msgs/s as allocgen measures it (-q: the clock stops when the server has
#     consumed everything), for the sink and the tracker, and their ratio;
#   - durable lag: from allocgen's end until `stats` shows events_committed ==
#     events_received (polled through the daemon's command socket every POLL_S);
#   - durable events/s = events / (allocgen elapsed + durable lag);
#   - the daemon's peak RSS (VmHWM).
#
# Each tracker run first warms the fresh daemon up with WARMUP_MSGS messages (same
# k and b; the JIT compiles the hot paths, as in a long-running daemon), waits until
# they are committed and their clients reaped, then times the run. A million messages
# (a few seconds of traffic) is what it takes for the writer's H2 code to be compiled
# too: with 100,000, the timed run shared the CPU with the compiler. WARMUP_MSGS=0
# measures a cold daemon.
#
# Usage: bench/ingest.sh            (10 minutes on a loaded 2-core machine; REPEATS=1 for a quick look)
# Knobs (environment): REPEATS=3 CLIENTS="1 4 16" BATCHES="1 64" WINDOW=1000
#   N1=200000 N4=200000 N16=50000 (messages per client for k=1, 4, 16; N<k> for other k)
#   BATCH_MULT=2 (N is multiplied by this when b > 1, so those runs also last long enough to time)
#   WARMUP_MSGS=1000000 (in total, split over the k clients)  POLL_S=0.05
#   SERVE_OPTS="" (extra `tracker serve` options)
#   TRACKER_JAR=path TRACKER_LABEL=text (measure this jar instead of building cli/tracker's)
# Output: the table on stdout; every run's raw figures in bench/out/ingest-*.txt.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPEATS="${REPEATS:-3}"
CLIENTS="${CLIENTS:-1 4 16}"
BATCHES="${BATCHES:-1 64}"
WINDOW="${WINDOW:-1000}"
N1="${N1:-200000}"
N4="${N4:-200000}"
N16="${N16:-50000}"
BATCH_MULT="${BATCH_MULT:-2}"
WARMUP_MSGS="${WARMUP_MSGS:-1000000}"
POLL_S="${POLL_S:-0.05}"
SERVE_OPTS="${SERVE_OPTS:-}"

build_tools
freeze_product
mkdir -p "$bench/out"
raw="$bench/out/ingest-$(date +%Y%m%d-%H%M%S).txt"
log "product: $product_label; raw figures: $raw"
{
    echo "# ingest.sh $(date -Is) product=$product_label repeats=$REPEATS window=$WINDOW"
    echo "# host: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$raw"

# msgs_per_client K B
msgs_per_client() {
    local var="N$1" n
    n="${!var:-$N16}"
    [ "$2" -gt 1 ] && n=$((n * BATCH_MULT))
    echo "$n"
}

start_sink

# run_sink K B N -> prints msgs_per_s
run_sink() {
    local out
    out="$("$allocgen" -s "$sink_sock" -k "$1" -n "$3" -w "$WINDOW" -b "$2" -v 3 -D 1 -q 2>&1 || true)"
    # the sink answers QUERY with zeros, so allocgen reports MISMATCH: expected
    [ "$(field failures "$out")" = 0 ] || die "allocgen against the sink failed: $out"
    echo "sink k=$1 b=$2 n=$3 $(grep '^clients=' <<<"$out")" >>"$raw"
    field msgs_per_s "$out"
}

# run_tracker K B N -> sets r_mps r_lag r_eps r_rss (no subshell: it starts the daemon)
run_tracker() {
    local k=$1 b=$2 n=$3 out rc=0 t_end polled lag elapsed msgs rss
    rm -f "$work"/ingest.*
    # shellcheck disable=SC2086
    start_daemon ingest $SERVE_OPTS
    warm_up_daemon "$k" "$b" "$WARMUP_MSGS"
    out="$("$allocgen" -s "$daemon_sock" -k "$k" -n "$n" -w "$WINDOW" -b "$b" -v 3 -D 1 -q 2>&1)" || rc=$?
    t_end="$(now)"
    [ $rc = 0 ] || { cat "$daemon_log" >&2; die "allocgen against the tracker failed (exit $rc): $out"; }
    msgs="$(field msgs "$out")"
    elapsed="$(field elapsed_s "$out")"
    polled="$(python3 "$bench/ctl.py" --cli "$tracker" wait-committed "$daemon_ctl" "$daemon_db" "$((warm_base + msgs))" "$t_end" \
        --interval "$POLL_S" --timeout 300)" || die "events were not committed within 300 s: $polled"
    lag="$(field lag_s "$polled")"
    rss="$(daemon_peak_rss_mb)"
    stop_daemon
    local eps
    eps="$(python3 -c "print(round($msgs / ($elapsed + $lag)))")"
    echo "tracker k=$k b=$b n=$n $(grep '^clients=' <<<"$out") durable_lag_s=$lag durable_eps=$eps peak_rss_mb=$rss" >>"$raw"
    r_mps="$(field msgs_per_s "$out")" r_lag="$lag" r_eps="$eps" r_rss="$rss"
}

declare -A R
for b in $BATCHES; do
    for k in $CLIENTS; do
        n="$(msgs_per_client "$k" "$b")"
        for ((i = 1; i <= REPEATS; i++)); do
            log "b=$b k=$k n=$n: run $i/$REPEATS"
            R[$b,$k,sink]+="$(run_sink "$k" "$b" "$n") "
            run_tracker "$k" "$b" "$n"
            R[$b,$k,trk]+="$r_mps "
            R[$b,$k,lag]+="$r_lag "
            R[$b,$k,eps]+="$r_eps "
            R[$b,$k,rss]+="$r_rss "
        done
    done
done
stop_sink

med() { tr ' ' '\n' <<<"${R[$1]}" | median; }
table="$(
    echo "tracker ingest vs sink: medians of $REPEATS runs, v3 frames, window $WINDOW, warm-up $WARMUP_MSGS msgs, product $product_label"
    echo "host: $(nproc) cpus; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-3s %-3s %-9s %12s %12s %7s %9s %12s %8s  %s\n' \
        b k msgs/cli "sink msg/s" "trk msg/s" ratio "dur.lag s" "durable ev/s" "RSS MiB" targets
    for b in $BATCHES; do
        for k in $CLIENTS; do
            s="$(med "$b,$k,sink")"; t="$(med "$b,$k,trk")"; l="$(med "$b,$k,lag")"
            e="$(med "$b,$k,eps")"; m="$(med "$b,$k,rss")"
            ratio="$(python3 -c "print('%.2f' % ($t / $s))")"
            note="lag<=1s: $(python3 -c "print('met' if $l <= 1.0 else 'MISSED')")"
            if [ "$b" = 1 ] && [ "$k" = 4 ]; then
                note="$note; ratio>=0.7: $(python3 -c "print('met' if $t / $s >= 0.7 else 'MISSED')")"
            fi
            if [ "$b" = 64 ] && [ "$k" = 4 ]; then
                note="$note; durable>=300000/s: $(python3 -c "print('met' if $e >= 300000 else 'MISSED')")"
            fi
            printf '%-3s %-3s %-9s %12.0f %12.0f %7s %9.3f %12.0f %8.0f  %s\n' \
                "$b" "$k" "$(msgs_per_client "$k" "$b")" "$s" "$t" "$ratio" "$l" "$e" "$m" "$note"
        done
    done
    echo "per-run figures: $raw"
)"
echo "$table" | tee -a "$raw"
