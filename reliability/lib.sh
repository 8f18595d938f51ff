# Shared by the reliability/*.sh scripts (sourced, not run).
#
# Every script: builds its tools into reliability/bin/, freezes a copy of the product
# (launcher + jar) in its own mktemp -d folder so that a rebuild of target/ cannot change
# what is tested halfway, runs every daemon on a socket and database inside that folder
# (never /tmp/tt_allocation_server.sock, never the default database), records what it saw
# in reliability/out/, and on exit stops every process it started and removes the folder
# (keep it with REL_KEEP=1).
#
# Which product: TRACKER_JAR=path tests that jar; REL_BUILD=head builds the committed HEAD
# in a clean export (cached in reliability/bin/); by default, the working tree through
# cli/tracker (which builds target/tracker.jar when it is missing or stale).

set -euo pipefail

rel="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$rel")"
bin="$rel/bin"
out="$rel/out"
SHARED="${SHARED:-$root/../shared}"
script_name="$(basename "$0" .sh)"
stamp="$(date +%Y%m%d-%H%M%S)"

mkdir -p "$bin" "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/tracker-rel-$script_name.XXXXXX")"
run_out="$out/$script_name-$stamp"
mkdir -p "$run_out"
report="$run_out/report.txt"
started_pids=()     # process groups this script started (each with setsid)
cleanup_hooks=()    # extra commands run first by cleanup (unmount, ...)
daemon_logs=()      # logs of the daemons started (kept in reliability/out/)
checks=0
failures=0
t_start=$SECONDS

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$report" >&2; }
die() { log "error: $*"; failures=$((failures + 1)); exit 1; }

# pass TEXT / fail TEXT: one verdict line each; the summary counts them.
pass() { checks=$((checks + 1)); log "PASS  $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); log "FAIL  $*"; }
# expect COND TEXT: pass when the shell condition COND (a string for eval) holds.
expect() { if eval "$1"; then pass "$2"; else fail "$2"; fi; }

cleanup() {
    local rc=$?
    set +e
    local hook p
    for p in "${started_pids[@]}"; do
        kill -TERM -- "-$p" 2>/dev/null
    done
    local deadline=$((SECONDS + 15))
    for p in "${started_pids[@]}"; do
        while kill -0 -- "-$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        kill -KILL -- "-$p" 2>/dev/null
    done
    wait 2>/dev/null
    for hook in "${cleanup_hooks[@]}"; do
        eval "$hook"
    done
    # keep the daemons' logs with the report (compressed: a fuzz run logs tens of MB), and the
    # clients' message logs while small
    for p in "$work"/*.log; do
        [ -f "$p" ] || continue
        case " ${daemon_logs[*]} " in
        *" $p "*) gzip -c "$p" >"$run_out/$(basename "$p").gz" ;;
        *) [ "$(stat -c %s "$p")" -lt 5000000 ] && gzip -c "$p" >"$run_out/$(basename "$p").gz" ;;
        esac
    done
    if [ "${REL_KEEP:-0}" = 1 ]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# summary: the verdict of the whole script; exit status 1 when any check failed.
summary() {
    local verdict=PASS
    [ "$failures" -eq 0 ] || verdict=FAIL
    log "----"
    log "$script_name: $verdict ($((checks - failures))/$checks checks passed, $((SECONDS - t_start)) s, product $product_label)"
    log "report and daemon logs: $run_out"
    ln -sfn "$(basename "$run_out")" "$out/$script_name-latest"
    [ "$verdict" = PASS ]
}

# spawn VAR CMD...: runs CMD in a process group of its own (so a load generator's forked
# clients stop with it); VAR receives its pid (= the group id).
spawn() {
    local var=$1
    shift
    setsid "$@" &
    local pid=$!
    started_pids+=("$pid")
    printf -v "$var" '%s' "$pid"
}

# forget PID: a group this script already stopped and waited for (its pid may be reused)
forget() {
    local p kept=()
    for p in "${started_pids[@]}"; do
        [ "$p" = "$1" ] || kept+=("$p")
    done
    started_pids=("${kept[@]}")
}

# stop_group PID [SIGNAL]: signals the group, waits for its leader.
stop_group() {
    kill "-${2:-TERM}" -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    forget "$1"
}

# Compiles allocgen (shared, read-only source) and this folder's C helpers into bin/.
build_tools() {
    local name src
    for name in allocgen; do
        src="$SHARED/tools/$name.c"
        [ -f "$src" ] || die "$src not found (set SHARED to the folder holding tools/)"
        if [ ! -x "$bin/$name" ] || [ "$src" -nt "$bin/$name" ]; then
            cc -O2 -Wall -o "$bin/$name" "$src"
        fi
    done
    for name in hostile; do
        src="$rel/$name.c"
        if [ ! -x "$bin/$name" ] || [ "$src" -nt "$bin/$name" ]; then
            cc -O2 -Wall -o "$bin/$name" "$src"
        fi
    done
    allocgen="$bin/allocgen"
    hostile="$bin/hostile"
}

# Freezes the product under $work/product and sets $tracker (its launcher) and $product_label.
freeze_product() {
    local jar="${TRACKER_JAR:-}"
    product_label="${jar:+jar $jar}"
    if [ -z "$jar" ] && [ "${REL_BUILD:-}" = head ]; then
        local sha
        sha="$(git -C "$root" rev-parse --short HEAD)"
        jar="$bin/tracker-$sha.jar"
        if [ ! -f "$jar" ]; then
            log "building the committed HEAD ($sha) in a clean export..."
            rm -rf "$bin/src-$sha"
            mkdir -p "$bin/src-$sha"
            git -C "$root" archive HEAD | tar -x -C "$bin/src-$sha"
            (cd "$bin/src-$sha" && { mvn -q -B -o -Dmaven.test.skip=true package ||
                mvn -q -B -ntp -Dmaven.test.skip=true package; }) >"$bin/build-$sha.log" 2>&1 ||
                die "build of $sha failed, see $bin/build-$sha.log"
            cp "$bin/src-$sha/target/tracker.jar" "$jar"
            rm -rf "$bin/src-$sha"
        fi
        product_label="HEAD $sha"
    elif [ -z "$jar" ]; then
        log "building the jar of the working tree through cli/tracker (first use takes a minute)..."
        "$root/cli/tracker" --help >/dev/null
        jar="$root/target/tracker.jar"
        product_label="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
        [ -z "$(git -C "$root" status --porcelain -- src/main pom.xml db 2>/dev/null)" ] ||
            product_label="$product_label + uncommitted changes"
    fi
    [ -f "$jar" ] || die "no jar at $jar"
    mkdir -p "$work/product/cli" "$work/product/target"
    cp "$root/cli/tracker" "$root/cli/class-data-archive" "$work/product/cli/"
    cp "$jar" "$work/product/target/tracker.jar"
    tracker="$work/product/cli/tracker"
    # the launcher makes its class-data archive on the first one-shot command
    "$tracker" --help >/dev/null 2>&1 || true
    log "product: $product_label"
}

# start_daemon NAME [serve options...]: `tracker serve` on $work/NAME.sock with database
# $work/NAME (or $DB_PATH when set), appending to $work/NAME.log; waits for the socket and
# the command socket. Sets daemon_pid, daemon_sock, daemon_db, daemon_ctl, daemon_log.
# DAEMON_WRAP (an array) may prefix the command (prlimit ...).
start_daemon() {
    local name="$1"
    shift
    daemon_sock="$work/$name.sock"
    daemon_db="${DB_PATH:-$work/$name}"
    daemon_ctl="$daemon_db.ctl"
    daemon_log="$work/$name.log"
    daemon_logs+=("$daemon_log")
    echo "=== $(date +%H:%M:%S.%N) start: serve $*" >>"$daemon_log"
    # after a kill -9 the old socket files are still there: wait for new ones (new inodes)
    local old_sock old_ctl
    old_sock=$(stat -c "%i %z" "$daemon_sock" 2>/dev/null || echo none)
    old_ctl=$(stat -c "%i %z" "$daemon_ctl" 2>/dev/null || echo none)
    spawn daemon_pid ${DAEMON_WRAP[@]+"${DAEMON_WRAP[@]}"} "$tracker" serve --socket "$daemon_sock" \
        --db "$daemon_db" "$@" >>"$daemon_log" 2>&1
    local deadline=$((SECONDS + 180))
    until [ -S "$daemon_sock" ] && [ -S "$daemon_ctl" ] &&
        [ "$(stat -c "%i %z" "$daemon_sock" 2>/dev/null)" != "$old_sock" ] &&
        [ "$(stat -c "%i %z" "$daemon_ctl" 2>/dev/null)" != "$old_ctl" ]; do
        kill -0 "$daemon_pid" 2>/dev/null || { tail -20 "$daemon_log" >&2; die "the daemon exited at start"; }
        [ $SECONDS -lt $deadline ] || die "the daemon did not open $daemon_sock within 180 s"
        sleep 0.05
    done
    # the launcher (and prlimit) exec java: this pid is the daemon itself
    tr '\0' ' ' <"/proc/$daemon_pid/cmdline" | grep -q "tracker.jar serve" || die "pid $daemon_pid is not the daemon"
}

# Stops the daemon with SIGTERM (it drains and commits); sets daemon_rc.
stop_daemon() {
    kill -TERM "$daemon_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 180))
    while kill -0 "$daemon_pid" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || { kill -KILL "$daemon_pid"; log "the daemon did not stop within 180 s"; break; }
        sleep 0.05
    done
    daemon_rc=0
    wait "$daemon_pid" 2>/dev/null || daemon_rc=$?
    forget "$daemon_pid"
}

# Peak resident set of the daemon so far, in MiB.
daemon_peak_mb() {
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$daemon_pid/status" 2>/dev/null || echo "?"
}

# trk ARGS...: reliability/trk.py with the frozen CLI as its fallback.
trk() { python3 "$rel/trk.py" --cli "$tracker" "$@"; }

# cli ARGS...: a CLI command, through the daemon's command socket when it answers, else the
# frozen CLI (which opens the file when no daemon runs).
cli() { trk ctl "$daemon_ctl" -- "$@"; }

# file_cli ARGS...: the CLI on the file itself (use only while no daemon runs).
file_cli() { "$tracker" "$@"; }

# field NAME LINE: the value of NAME=value in an allocgen output line
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }

now() { date +%s.%N; }

# parse_quick "$@": sets quick=1 for --quick; anything else is a usage error.
parse_quick() {
    quick=0
    local a
    for a in "$@"; do
        case "$a" in
        --quick) quick=1 ;;
        -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
        *) echo "unknown argument: $a (use --quick or nothing)" >&2; exit 2 ;;
        esac
    done
}
