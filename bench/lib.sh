# Shared by the bench/*.sh scripts (sourced, not run).
#
# Every script: builds the load tools into bench/bin/, freezes a copy of the
# product (jar + launcher) in its own mktemp -d folder so a rebuild of target/
# by someone else cannot change what is measured halfway, runs every daemon on
# a socket and database inside that folder, and on exit stops every process it
# started and removes the folder (keep it with BENCH_KEEP=1).

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="$root/bench"
bin="$bench/bin"
SHARED="${SHARED:-$(cd "$root/../shared" && pwd)}"

work="$(mktemp -d "${TMPDIR:-/tmp}/tracker-bench.XXXXXX")"
started_pids=()      # processes (or process groups, negative) this script started

cleanup() {
    local rc=$?
    set +e
    local p
    for p in "${started_pids[@]}"; do
        kill -TERM -- "$p" 2>/dev/null
    done
    local deadline=$((SECONDS + 15))
    for p in "${started_pids[@]}"; do
        while kill -0 -- "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        kill -KILL -- "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# forget_pid PID: a process this script already stopped and reaped (its pid may be reused)
forget_pid() {
    local p kept=()
    for p in "${started_pids[@]}"; do
        [ "$p" = "$1" ] || kept+=("$p")
    done
    started_pids=("${kept[@]}")
}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Compiles the shared load tools and this folder's helpers when missing or older than their source.
build_tools() {
    mkdir -p "$bin"
    local name src
    for name in allocgen sink; do
        src="$SHARED/tools/$name.c"
        [ -f "$src" ] || die "$src not found (set SHARED to the folder holding tools/)"
        if [ ! -x "$bin/$name" ] || [ "$src" -nt "$bin/$name" ]; then
            cc -O2 -Wall -o "$bin/$name" "$src"
        fi
    done
    for name in qprobe; do
        src="$bench/$name.c"
        if [ ! -x "$bin/$name" ] || [ "$src" -nt "$bin/$name" ]; then
            cc -O2 -Wall -o "$bin/$name" "$src"
        fi
    done
    allocgen="$bin/allocgen"
    sink="$bin/sink"
    qprobe="$bin/qprobe"
}

# Freezes the product under $work/product: the launcher and a jar. The jar is
# $TRACKER_JAR when set (described as $TRACKER_LABEL in the output), else the one
# cli/tracker builds from this checkout.
# Sets $tracker (the frozen launcher) and $product_label.
freeze_product() {
    local jar="${TRACKER_JAR:-}"
    if [ -z "$jar" ]; then
        log "building the jar through cli/tracker (first use takes a minute)..."
        "$root/cli/tracker" --help >/dev/null
        jar="$root/target/tracker.jar"
    fi
    [ -f "$jar" ] || die "no jar at $jar"
    mkdir -p "$work/product/cli" "$work/product/target"
    cp "$root/cli/tracker" "$root/cli/class-data-archive" "$work/product/cli/"
    cp "$jar" "$work/product/target/tracker.jar"
    tracker="$work/product/cli/tracker"
    product_label="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ -n "${TRACKER_LABEL:-}" ]; then
        product_label="$TRACKER_LABEL"
    elif [ -n "${TRACKER_JAR:-}" ]; then
        product_label="jar $jar"
    elif [ -n "$(git -C "$root" status --porcelain -- src pom.xml db 2>/dev/null)" ]; then
        product_label="$product_label + uncommitted changes"
    fi
    # the launcher makes its class-data archive on the first one-shot command
    "$tracker" --help >/dev/null 2>&1 || true
}

# start_daemon NAME [serve options...]: starts `tracker serve` on $work/NAME.sock
# with database $work/NAME (fresh unless it exists), logging to $work/NAME.log.
# Sets daemon_pid, daemon_sock, daemon_db, daemon_ctl, daemon_log.
start_daemon() {
    local name="$1"
    shift
    daemon_sock="$work/$name.sock"
    daemon_db="$work/$name"
    daemon_ctl="$work/$name.ctl"
    daemon_log="$work/$name.log"
    "$tracker" serve --socket "$daemon_sock" --db "$daemon_db" "$@" >>"$daemon_log" 2>&1 &
    daemon_pid=$!
    started_pids+=("$daemon_pid")
    local deadline=$((SECONDS + 120))
    until [ -S "$daemon_sock" ] && [ -S "$daemon_ctl" ]; do
        kill -0 "$daemon_pid" 2>/dev/null || { cat "$daemon_log" >&2; die "the daemon exited at start"; }
        [ $SECONDS -lt $deadline ] || die "the daemon did not open $daemon_sock within 120 s"
        sleep 0.05
    done
    # the launcher execs java, so this is the daemon itself
    tr '\0' ' ' <"/proc/$daemon_pid/cmdline" | grep -q "tracker.jar serve" ||
        die "pid $daemon_pid is not the daemon"
}

# Peak resident set of the daemon so far, in MiB.
daemon_peak_rss_mb() {
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$daemon_pid/status" 2>/dev/null || echo "?"
}

# Stops the daemon with SIGTERM (it drains and commits) and waits for it.
stop_daemon() {
    kill -TERM "$daemon_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 120))
    while kill -0 "$daemon_pid" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || { kill -KILL "$daemon_pid"; die "the daemon did not stop within 120 s"; }
        sleep 0.05
    done
    wait "$daemon_pid" 2>/dev/null || true
    forget_pid "$daemon_pid"
}

# Starts a sink on $work/sink.sock; sets sink_pid, sink_sock.
start_sink() {
    sink_sock="$work/sink.sock"
    rm -f "$sink_sock"
    "$sink" "$sink_sock" >>"$work/sink.log" 2>&1 &
    sink_pid=$!
    started_pids+=("$sink_pid")
    until [ -S "$sink_sock" ]; do sleep 0.02; done
}

stop_sink() {
    kill -TERM "$sink_pid" 2>/dev/null || true
    wait "$sink_pid" 2>/dev/null || true
    forget_pid "$sink_pid"
}

# ctl ARGS...: runs a CLI command inside the running daemon through its command socket
# (no JVM start), with the frozen CLI as the fallback.
ctl() { python3 "$bench/ctl.py" --cli "$tracker" run "$daemon_ctl" -- "$@"; }

# median of the numbers on stdin (one a line; "?" lines ignored)
median() { python3 -c 'import sys, statistics
v = [float(x) for x in sys.stdin.read().split() if x not in ("?", "")]
print(round(statistics.median(v), 6) if v else "?")'; }

# field NAME LINE: the value of NAME=value in an allocgen output line
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }

now() { date +%s.%N; }

# warm_up_daemon K B MSGS: sends MSGS messages from K clients (B per send) to the running
# daemon, waits until they are committed and their clients reaped, so that what is timed
# next meets compiled code. Sets warm_base to the number of messages sent (0 when MSGS < K).
warm_up_daemon() {
    local k=$1 b=$2 wn=$(($3 / $1)) out
    warm_base=0
    [ "$wn" -gt 0 ] || return 0
    out="$("$allocgen" -s "$daemon_sock" -k "$k" -n "$wn" -w "$WINDOW" -b "$b" -v 3 -D 1 -q 2>&1)" ||
        die "warm-up allocgen failed: $out"
    warm_base="$(field msgs "$out")"
    python3 "$bench/ctl.py" --cli "$tracker" wait-committed "$daemon_ctl" "$daemon_db" "$warm_base" "$(now)" \
        --interval 0.2 --timeout 300 >/dev/null || die "warm-up events were not committed within 300 s"
    python3 "$bench/ctl.py" --cli "$tracker" wait-sql "$daemon_ctl" "$daemon_db" \
        "SELECT COUNT(*) FROM reaps" "$(now)" --min "$k" --interval 0.2 --timeout 300 >/dev/null ||
        die "warm-up clients were not reaped within 300 s"
}

# start_group VAR CMD...: runs CMD in its own process group (so its forked clients can be
# stopped with it); VAR receives the group id.
start_group() {
    local var=$1
    shift
    setsid "$@" &
    local pid=$!
    started_pids+=("-$pid")
    printf -v "$var" '%s' "$pid"
}

# stop_group GID: SIGTERM to the whole group, then waits for its leader.
stop_group() {
    kill -TERM -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    forget_pid "-$1"
}
