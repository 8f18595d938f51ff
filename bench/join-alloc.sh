#!/usr/bin/env bash
# What a self-join of the allocations view (tracker sql "SELECT COUNT(*) FROM allocations a,
# allocations b") costs the thread running it: bytes allocated per pair of rows and time, for
# this checkout and for a baseline revision, measured in the same run. Allocated bytes are
# counted by the JVM per thread, so they do not depend on what else the machine does; the
# times do.
#
# Usage: bench/join-alloc.sh     Knobs: BASE=3547fdb (the views before they shared their rows)
#        ROWS=3000 ROUNDS=5 (rounds per JVM; the first warms up and is left out)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${BASE:-3547fdb}"
ROWS="${ROWS:-3000}"
ROUNDS="${ROUNDS:-5}"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

measure() { # measure CHECKOUT LABEL
    local checkout="$1" label="$2" cp
    (cd "$checkout" && mvn -B -ntp -q test-compile dependency:build-classpath -Dmdep.outputFile="$work/$label.cp" >/dev/null)
    cp="$checkout/target/classes:$checkout/target/test-classes:$(cat "$work/$label.cp")"
    mkdir -p "$work/$label"
    javac -cp "$cp" -d "$work/$label" "$root/bench/java/JoinAllocation.java"
    java -Xmx1g -cp "$work/$label:$cp" JoinAllocation "$ROWS" "$ROUNDS" | tail -n +2 |
        python3 -c 'import sys, statistics as s
rows = [dict(f.split("=") for f in line.split()) for line in sys.stdin]
print(sys.argv[1], s.median(float(r["bytes_per_pair"]) for r in rows), s.median(int(r["ms"]) for r in rows))' "$label"
}

git -C "$root" worktree add -q --detach "$work/base" "$BASE"
base=$(measure "$work/base" "base")
this=$(measure "$root" "this")
echo "self-join of $ROWS live rows, medians of $((ROUNDS - 1)) rounds; base $BASE, this $(git -C "$root" rev-parse --short HEAD)"
printf '%-6s %16s %10s\n' "" "bytes per pair" "ms"
echo "$base" | awk '{ printf "%-6s %16s %10s\n", $1, $2, $3 }'
echo "$this" | awk '{ printf "%-6s %16s %10s\n", $1, $2, $3 }'
echo "$base $this" | awk '{ printf "this/base: bytes %.2f, time %.2f\n", $5 / $2, $6 / $3 }'
