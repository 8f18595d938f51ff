#!/usr/bin/env bash
# Does scraping /metrics slow ingest or a client waiting on QUERY?
#
# Each run, on a fresh daemon started with --metrics on a free loopback port:
#   1. a warm-up allocgen run (WARM messages), so that both phases meet compiled code;
#   2. two phases, in alternating order from run to run: "quiet" (no scraper) and "scraped"
#      (bench/scraper.py fetching /metrics SCRAPE_HZ times a second throughout). In each, one
#      allocgen client sends MSGS messages with -b 1 (one send() per message, as TT-Metal does)
#      while a probe (bench/qprobe.c) sends QUERY on its own connection in a loop
#      (PROBE_PAUSE_US between round trips) and times every round trip;
#   3. per phase: allocgen's messages per second, and the worst and median probe round trip
#      within the phase.
# Prints each run, then the medians over REPEATS runs, with the scraped phase as a ratio of
# the quiet one measured in the same run.
#
# Usage: bench/metrics.sh      (about 2 minutes on a loaded 2-core machine)
# Knobs (environment): REPEATS=6 MSGS=2000000 WARM=500000 SCRAPE_HZ=10 PROBE_PAUSE_US=1000
#   TRACKER_JAR=path TRACKER_LABEL=text (measure this jar)
# Target: throughput ratio >= 0.95, worst QUERY round trip ratio <= 1.5 (medians).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPEATS="${REPEATS:-6}"
MSGS="${MSGS:-2000000}"
WARM="${WARM:-500000}"
SCRAPE_HZ="${SCRAPE_HZ:-10}"
PROBE_PAUSE_US="${PROBE_PAUSE_US:-1000}"

build_tools
freeze_product
mkdir -p "$bench/out"
raw="$bench/out/metrics-$(date +%Y%m%d-%H%M%S).txt"
log "product: $product_label; raw figures: $raw"
echo "# metrics.sh $(date -Is) product=$product_label msgs=$MSGS scrape_hz=$SCRAPE_HZ repeats=$REPEATS" >"$raw"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# probe_figures FILE FROM TO: "worst_ms=W median_ms=M" of the round trips sent within [FROM, TO]
probe_figures() {
    python3 - "$@" <<'PY'
import statistics, sys
path, start, end = sys.argv[1], float(sys.argv[2]) * 1e9, float(sys.argv[3]) * 1e9
rtts = []
for line in open(path):
    sent, replied = (int(x) for x in line.split())
    if start <= sent <= end:
        rtts.append((replied - sent) / 1e6)
print("worst_ms=%.2f median_ms=%.3f round_trips=%d" % (max(rtts), statistics.median(rtts), len(rtts)) if rtts
      else "worst_ms=? median_ms=? round_trips=0")
PY
}

# phase NAME RUN -> sets p_rate p_scrapes p_window ("FROM TO", for the probe's figures once it
# stopped: it writes its file at exit) (no subshell: it starts processes)
phase() {
    local name=$1 run=$2 out="$work/$1-$2.allocgen" t0 t1 scraper_pid="" scraped="-"
    if [ "$name" = scraped ]; then
        python3 "$bench/scraper.py" "http://127.0.0.1:$metrics_port/metrics" "$SCRAPE_HZ" >"$work/scraper-$run.txt" &
        scraper_pid=$!
        started_pids+=("$scraper_pid")
        sleep 0.5 # the scraper is at its rate before the load starts
    fi
    t0="$(now)"
    "$allocgen" -s "$daemon_sock" -k 1 -n "$MSGS" -w 1000 -b 1 -v 3 -D 2 -m 1 -t 600 >"$out" 2>&1 ||
        die "allocgen failed: $(cat "$out")"
    t1="$(now)"
    if [ -n "$scraper_pid" ]; then
        kill -TERM "$scraper_pid"
        wait "$scraper_pid" || true
        forget_pid "$scraper_pid"
        scraped="$(cat "$work/scraper-$run.txt")"
    fi
    p_rate="$(field msgs_per_s "$(cat "$out")")"
    p_scrapes="$(field scrapes "$scraped")"
    p_window="$t0 $t1"
    echo "run $run phase $name from=$t0 to=$t1 $(cat "$out") scraper: $scraped" >>"$raw"
}

declare -a Q_RATE S_RATE Q_WORST S_WORST Q_MED S_MED RATE_RATIO WORST_RATIO
printf '%-4s %12s %12s %7s %10s %10s %7s %11s %11s %8s\n' run "quiet msg/s" "scraped" ratio \
    "quiet worst" "scraped" ratio "quiet med" "scraped" scrapes
for ((i = 1; i <= REPEATS; i++)); do
    log "run $i/$REPEATS"
    rm -f "$work"/metrics.*
    metrics_port="$(free_port)"
    start_daemon metrics --metrics "127.0.0.1:$metrics_port"
    deadline=$((SECONDS + 30))
    until grep -q "metrics on http" "$daemon_log"; do
        [ $SECONDS -lt $deadline ] || die "no metrics endpoint: $(cat "$daemon_log")"
        sleep 0.05
    done
    "$allocgen" -s "$daemon_sock" -k 1 -n "$WARM" -w 1000 -b 1 -v 3 -D 2 -m 1 -t 600 >/dev/null 2>&1 ||
        die "warm-up allocgen failed"
    probe_out="$work/probe-$i.txt"
    start_group probe_pid "$qprobe" "$daemon_sock" "$probe_out" "$PROBE_PAUSE_US"
    if ((i % 2)); then order="quiet scraped"; else order="scraped quiet"; fi
    for name in $order; do
        phase "$name" "$i"
        if [ "$name" = quiet ]; then q_rate=$p_rate q_window=$p_window; else
            s_rate=$p_rate s_window=$p_window s_scrapes=$p_scrapes; fi
    done
    stop_group "$probe_pid"
    stop_daemon
    # shellcheck disable=SC2086
    q_fig="$(probe_figures "$probe_out" $q_window)"; s_fig="$(probe_figures "$probe_out" $s_window)"
    echo "run $i probe quiet: $q_fig scraped: $s_fig" >>"$raw"
    q_worst="$(field worst_ms "$q_fig")"; q_med="$(field median_ms "$q_fig")"
    s_worst="$(field worst_ms "$s_fig")"; s_med="$(field median_ms "$s_fig")"
    rate_ratio="$(python3 -c "print('%.2f' % ($s_rate / $q_rate))")"
    worst_ratio="$(python3 -c "print('%.2f' % ($s_worst / $q_worst))")"
    Q_RATE+=("$q_rate"); S_RATE+=("$s_rate"); Q_WORST+=("$q_worst"); S_WORST+=("$s_worst")
    Q_MED+=("$q_med"); S_MED+=("$s_med"); RATE_RATIO+=("$rate_ratio"); WORST_RATIO+=("$worst_ratio")
    printf '%-4s %12s %12s %7s %10s %10s %7s %11s %11s %8s\n' "$i" "$q_rate" "$s_rate" "$rate_ratio" \
        "$q_worst" "$s_worst" "$worst_ratio" "$q_med" "$s_med" "$s_scrapes"
done

med() { printf '%s\n' "$@" | median; }
m_rate_ratio="$(med "${RATE_RATIO[@]}")"; m_worst_ratio="$(med "${WORST_RATIO[@]}")"
printf '%-4s %12s %12s %7s %10s %10s %7s %11s %11s\n' median "$(med "${Q_RATE[@]}")" "$(med "${S_RATE[@]}")" \
    "$m_rate_ratio" "$(med "${Q_WORST[@]}")" "$(med "${S_WORST[@]}")" "$m_worst_ratio" "$(med "${Q_MED[@]}")" \
    "$(med "${S_MED[@]}")" | tee -a "$raw"
echo "allocgen -k 1 -b 1 -m 1 -D 2, $MSGS messages a phase; QUERY probe every ${PROBE_PAUSE_US} us; scraper at $SCRAPE_HZ/s; product $product_label"
echo "round trips in ms; ratio = scraped / quiet, same run"
echo "targets: throughput ratio >= 0.95: $(python3 -c "print('met' if $m_rate_ratio >= 0.95 else 'MISSED')");" \
    "worst QUERY round trip ratio <= 1.5: $(python3 -c "print('met' if $m_worst_ratio <= 1.5 else 'MISSED')")"
echo "host: $(nproc) cpus; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); per-run figures: $raw"
