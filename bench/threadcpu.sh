#!/usr/bin/env bash
# Where the daemon's CPU goes per event, by thread, for one allocgen load.
#
# msg/s on a shared 2-core machine swings with whatever else runs; CPU time per event
# does not, so this is the figure to compare two builds with. Each repeat starts a fresh
# `tracker serve`, warms it up with WARMUP_MSGS messages (waits until they are committed
# and their clients reaped), then reads the CPU time of every daemon thread, runs
# allocgen, waits until every event is committed, and reads them again. The difference,
# divided by the events of the run, is printed per thread group in nanoseconds of CPU
# (user + system) per event, with the median of the repeats.
#
# Connection threads end with their clients, so their time is not listed by thread: it is
# the process total minus the threads still alive ("connections (ended)").
#
# Usage: bench/threadcpu.sh          Knobs: K=4 B=1 N=200000 (per client) REPEATS=3
#        WARMUP_MSGS=100000 WINDOW=1000 SERVE_OPTS="" TRACKER_JAR=... TRACKER_LABEL=...
# Output: the table on stdout; raw figures in bench/out/threadcpu-*.txt.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K="${K:-4}"
B="${B:-1}"
N="${N:-200000}"
REPEATS="${REPEATS:-3}"
WARMUP_MSGS="${WARMUP_MSGS:-100000}"
WINDOW="${WINDOW:-1000}"
SERVE_OPTS="${SERVE_OPTS:-}"
ticks_per_s="$(getconf CLK_TCK)"

build_tools
freeze_product
mkdir -p "$bench/out"
raw="$bench/out/threadcpu-$(date +%Y%m%d-%H%M%S).txt"
echo "# threadcpu.sh $(date -Is) product=$product_label k=$K b=$B n=$N warmup=$WARMUP_MSGS" >"$raw"

# "group user+system_ticks" for the process (TOTAL) and each live thread; digits at the end
# of a thread name are dropped so that numbered threads add up into one group
thread_ticks() {
    {
        # fields after the ")" that ends the command name: utime is the 12th, stime the 13th
        awk '{ sub(/.*\) /, ""); split($0, f, " "); print "TOTAL", f[12] + f[13] }' "/proc/$daemon_pid/stat"
        local t
        for t in /proc/"$daemon_pid"/task/*; do
            printf '%s ' "$(tr ' ' '_' <"$t/comm" | sed 's/[0-9#]*$//')"
            awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "$t/stat"
        done
    } 2>/dev/null | awk '{ t[$1] += $2 } END { for (g in t) print g, t[g] }' | sort
}

for ((i = 1; i <= REPEATS; i++)); do
    log "run $i/$REPEATS: k=$K b=$B n=$N"
    rm -f "$work"/cpu.*
    # shellcheck disable=SC2086
    start_daemon cpu $SERVE_OPTS
    warm_up_daemon "$K" "$B" "$WARMUP_MSGS"
    before="$(thread_ticks)"
    out="$("$allocgen" -s "$daemon_sock" -k "$K" -n "$N" -w "$WINDOW" -b "$B" -v 3 -D 1 -q 2>&1)" ||
        die "allocgen failed: $out"
    msgs="$(field msgs "$out")"
    python3 "$bench/ctl.py" --cli "$tracker" wait-committed "$daemon_ctl" "$daemon_db" "$((warm_base + msgs))" "$(now)" \
        --interval 0.2 --timeout 300 >/dev/null || die "events were not committed within 300 s"
    after="$(thread_ticks)"
    stop_daemon
    join -a 2 -e 0 -o 0,1.2,2.2 <(echo "$before") <(echo "$after") |
        awk -v run="$i" -v msgs="$msgs" -v hz="$ticks_per_s" -v mps="$(field msgs_per_s "$out")" '
            { d = $3 - $2; if ($1 == "TOTAL") total = d; else { live += d; if (d > 0) ns[$1] = d } }
            END {
                ns["connections_(ended)"] = total - live; ns["TOTAL"] = total
                for (g in ns) printf "run=%d msgs_per_s=%s group=%s ns_per_event=%.0f\n", run, mps, g, ns[g] * 1e9 / hz / msgs
            }' >>"$raw"
done

echo "tracker CPU per event by thread, k=$K b=$B n=$N per client, warm-up $WARMUP_MSGS msgs, product $product_label: medians of $REPEATS runs"
echo "host: $(nproc) cpus; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-24s %12s\n' "thread group" "ns/event"
for g in $(sed -n 's/.* group=\([^ ]*\) .*/\1/p' "$raw" | sort -u); do
    printf '%-24s %12.0f\n' "$g" "$(sed -n "s/.* group=$g ns_per_event=\([^ ]*\)$/\1/p" "$raw" | median)"
done | sort -k2 -n -r
printf '%-24s %12.0f\n' "allocgen msg/s (median)" "$(sed -n 's/.*msgs_per_s=\([^ ]*\) group=TOTAL .*/\1/p' "$raw" | median)"
echo "per-run figures: $raw"
