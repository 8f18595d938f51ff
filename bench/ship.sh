#!/usr/bin/env bash
# Shipping to a fleet store under load: does the copy keep up, and is it exact?
#
# Each of REPEATS rounds, on fresh daemons and databases:
#   1. baseline: `tracker serve` without --ship-to; allocgen -k K -b B (-w WINDOW, -v 3, one
#      device) is run back to back for DURATION seconds; ingest rate = messages / seconds;
#      `stats` is read every SAMPLE_S meanwhile, as in step 2;
#   2. shipping: the same against `tracker serve --ship-to` a real PostgreSQL (Debian's
#      package, a cluster made here with initdb, on a free port of 127.0.0.1); meanwhile
#      `stats` is read every SAMPLE_S through the command socket for ship_lag_ms;
#   3. after the load: catch-up = time until the store holds as many events as the local
#      file (SUM(event_count) of event_chunks, both sides), then both sides are compared:
#      events, history chunks and audit records must be equal.
# Prints each round and the medians: ingest rate with shipping as a ratio of the baseline
# of the same round, the worst and median ship lag during the load, the catch-up, and
# whether the store held exactly the local events.
#
# STORE=stopped: the store is frozen (SIGSTOP, the server and its backends) for the whole load
# of step 2 and thawed after it: a store that accepts and never answers, which uses no CPU of
# this machine, so the ratio shows what shipping itself costs ingest; step 3 then measures the
# catch-up from the whole load's backlog.
#
# Usage: bench/ship.sh        (REPEATS x 2 x DURATION s, plus start-ups: ~7 minutes by default)
# Knobs (environment): REPEATS=3 DURATION=60 K=4 B=64 WINDOW=1000 N=200000 (messages per client
#   per allocgen run) SAMPLE_S=0.5 STORE=live|stopped SERVE_OPTS="" TRACKER_JAR=path TRACKER_LABEL=text
# Targets: ship lag <= 5 s throughout; the store holds exactly the events the local file does.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPEATS="${REPEATS:-3}"
DURATION="${DURATION:-60}"
K="${K:-4}"
B="${B:-64}"
WINDOW="${WINDOW:-1000}"
N="${N:-200000}"
SAMPLE_S="${SAMPLE_S:-0.5}"
SERVE_OPTS="${SERVE_OPTS:-}"
STORE="${STORE:-live}"
case "$STORE" in live | stopped) ;; *) die "STORE is live or stopped, not $STORE" ;; esac

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server (Debian: apt-get install postgresql)"

# start_postgres: a cluster of its own, as the postgres user when run as root (PostgreSQL
# refuses root); sets pg_port. Trust on 127.0.0.1: the benchmark measures shipping, not logins.
start_postgres() {
    pg_dir="$work/pg"
    mkdir "$pg_dir"
    local as=()
    if [ "$(id -u)" = 0 ]; then
        chmod o+x "$work"   # the postgres user passes through (cannot list) to its own folder
        chown postgres: "$pg_dir"
        as=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    fi
    "${as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U tracker -A trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1 ||
        { cat "$work/initdb.log" >&2; die "initdb failed"; }
    pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "${as[@]}" "$pg_bin/postgres" -D "$pg_dir/data" -p "$pg_port" -k "$pg_dir" -c listen_addresses=127.0.0.1 \
        >"$work/postgres.log" 2>&1 &
    pg_pid=$!
    started_pids+=("$pg_pid")
    local deadline=$((SECONDS + 60))
    until psql -h 127.0.0.1 -p "$pg_port" -U tracker -d postgres -Atqc "SELECT 1" >/dev/null 2>&1; do
        kill -0 "$pg_pid" 2>/dev/null || { cat "$work/postgres.log" >&2; die "PostgreSQL exited at start"; }
        [ $SECONDS -lt $deadline ] || die "PostgreSQL did not start within 60 s"
        sleep 0.1
    done
}

pg() { psql -h 127.0.0.1 -p "$pg_port" -U tracker -d "$1" -Atqc "$2"; }

# freeze_store / thaw_store: SIGSTOP / SIGCONT to the server and every backend it has forked
freeze_store() {
    frozen=("$pg_pid" $(pgrep -P "$pg_pid"))
    kill -STOP "${frozen[@]}"
}
thaw_store() { kill -CONT "${frozen[@]}" 2>/dev/null || true; }

# local_sql QUERY: one number from the running daemon's database
local_sql() { ctl sql --db "$daemon_db" --format csv "$1" | tail -1; }

# load: allocgen runs back to back for DURATION seconds; prints "msgs seconds"
load() {
    local start end total=0 out
    start="$(now)"
    end=$(python3 -c "print($start + $DURATION)")
    while python3 -c "import sys, time; sys.exit(0 if time.time() < $end else 1)"; do
        out="$("$allocgen" -s "$daemon_sock" -k "$K" -n "$N" -w "$WINDOW" -b "$B" -v 3 -D 1 2>&1)" ||
            die "allocgen failed: $out"
        total=$((total + $(field msgs "$out")))
    done
    echo "$total $(python3 -c "print(round($(now) - $start, 3))")"
}

build_tools
freeze_product
start_postgres
log "product $product_label; PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $pg_port"
mkdir -p "$bench/out"
raw="$bench/out/ship-$(date +%Y%m%d-%H%M%S).txt"

# sample_lag FILE: ship_lag_ms from `stats` every SAMPLE_S, in the background; sets $sampler.
# Both phases sample, so that the ratio compares shipping, not the cost of asking for stats.
sample_lag() {
    ( while :; do
          ctl stats --db "$daemon_db" --format json 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin).get("daemon") or {}
print(d.get("ship_lag_ms", "?"))' 2>/dev/null || true
          sleep "$SAMPLE_S"
      done ) >"$1" &
    sampler=$!
    started_pids+=("$sampler")
}

stop_sampling() {
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    forget_pid "$sampler"
}

for round in $(seq 1 "$REPEATS"); do
    # 1. baseline
    start_daemon "base$round" $SERVE_OPTS
    sample_lag "$work/base-lags$round.txt"
    read -r msgs secs < <(load)
    stop_sampling
    base_rate=$(python3 -c "print(round($msgs / $secs))")
    stop_daemon

    # 2. shipping
    db="fleet$round"
    pg postgres "CREATE DATABASE $db" >/dev/null
    start_daemon "ship$round" --ship-to "postgresql://tracker@127.0.0.1:$pg_port/$db" --host-name "bench$round" \
        $SERVE_OPTS
    lags="$work/lags$round.txt"
    sample_lag "$lags"
    if [ "$STORE" = stopped ]; then
        # once the shipper has made the store's schema and shipped something, so that it is connected
        deadline=$((SECONDS + 60))
        until [ "$(pg "$db" "SELECT COUNT(*) FROM hosts" 2>/dev/null)" = 1 ]; do
            [ $SECONDS -lt $deadline ] || die "the daemon did not reach the store within 60 s"
            sleep 0.1
        done
        freeze_store
    fi
    read -r msgs secs < <(load)
    load_end="$(now)"
    [ "$STORE" = stopped ] && thaw_store
    stop_sampling
    ship_rate=$(python3 -c "print(round($msgs / $secs))")

    # 3. catch-up and comparison (local: every event committed first)
    python3 "$bench/ctl.py" --cli "$tracker" wait-committed "$daemon_ctl" "$daemon_db" 1 "$(now)" \
        --interval 0.1 --timeout 300 >/dev/null || die "events not committed within 300 s"
    local_events="$(local_sql "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks")"
    deadline=$((SECONDS + 300))
    until [ "$(pg "$db" "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks")" = "$local_events" ]; do
        [ $SECONDS -lt $deadline ] || die "the store did not catch up within 300 s"
        sleep 0.1
        local_events="$(local_sql "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks")"
    done
    catch_up=$(python3 -c "print(round($(now) - $load_end, 2))")
    # the reaps of the last allocgen run may still be on their way: wait for them too, then compare
    sleep 1
    local_chunks="$(local_sql "SELECT COUNT(*) FROM event_chunks")"
    local_reaps="$(local_sql "SELECT COUNT(*) FROM reaps")"
    deadline=$((SECONDS + 60))
    until [ "$(pg "$db" "SELECT COUNT(*) FROM reaps")" = "$local_reaps" ] &&
          [ "$(pg "$db" "SELECT COUNT(*) FROM event_chunks")" = "$local_chunks" ]; do
        [ $SECONDS -lt $deadline ] || break
        sleep 0.2
        local_chunks="$(local_sql "SELECT COUNT(*) FROM event_chunks")"
        local_reaps="$(local_sql "SELECT COUNT(*) FROM reaps")"
    done
    central_events="$(pg "$db" "SELECT COALESCE(SUM(event_count), 0) FROM event_chunks")"
    central_chunks="$(pg "$db" "SELECT COUNT(*) FROM event_chunks")"
    central_reaps="$(pg "$db" "SELECT COUNT(*) FROM reaps")"
    exact=no
    [ "$central_events" = "$local_events" ] && [ "$central_chunks" = "$local_chunks" ] &&
        [ "$central_reaps" = "$local_reaps" ] && exact=yes
    lag_max=$(python3 -c 'import sys
v = [float(x) for x in open(sys.argv[1]).read().split() if x != "?"]
print(round(max(v) / 1000, 2) if v else "?")' "$lags")
    lag_med=$(median <"$lags")
    lag_med=$(python3 -c "print('?' if '$lag_med' == '?' else round($lag_med / 1000, 2))")
    stop_daemon
    line="round=$round msgs=$msgs base_msgs_per_s=$base_rate ship_msgs_per_s=$ship_rate"
    line+=" ratio=$(python3 -c "print(round($ship_rate / $base_rate, 3))") lag_max_s=$lag_max lag_median_s=$lag_med"
    line+=" catch_up_s=$catch_up events=$local_events/$central_events chunks=$local_chunks/$central_chunks"
    line+=" reaps=$local_reaps/$central_reaps exact=$exact"
    echo "$line" | tee -a "$raw"
done

echo
echo "bench/ship.sh: product $product_label, store $STORE, k=$K b=$B window=$WINDOW, $DURATION s of load per run, $REPEATS rounds"
for name in ratio lag_max_s lag_median_s catch_up_s; do
    printf '  median %-14s %s\n' "$name" "$(sed -n "s/.*\b$name=\([^ ]*\).*/\1/p" "$raw" | tail -n "$REPEATS" | median)"
done
printf '  exact in every round: %s\n' "$(tail -n "$REPEATS" "$raw" | grep -c 'exact=yes' | sed "s/^$REPEATS\$/yes/")"
echo "(target: ship lag <= 5 s throughout; the store holds exactly what the local file holds)"
