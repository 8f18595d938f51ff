#!/usr/bin/env python3
"""Times a command: hyperfine when installed (and BENCH_HYPERFINE is not 0), else a loop here.

  timecmd.py RUNS WARMUP -- CMD [ARGS...]

Output discarded; prints "median_s=<s> min_s=<s> max_s=<s> runs=<n> tool=<hyperfine|loop>".
A run that exits non-zero is an error (exit 1).
"""
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def with_hyperfine(runs, warmup, cmd):
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                        "--export-json", export.name, " ".join(shlex.quote(c) for c in cmd)],
                       check=True, stdout=subprocess.DEVNULL)
        result = json.load(open(export.name))["results"][0]
        times = result["times"]
        return statistics.median(times), min(times), max(times), len(times)


def with_loop(runs, warmup, cmd):
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times), len(times)


def main():
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    cmd = sys.argv[4:] if sys.argv[3] == "--" else sys.argv[3:]
    use_hyperfine = shutil.which("hyperfine") and os.environ.get("BENCH_HYPERFINE", "1") != "0"
    try:
        median, low, high, n = (with_hyperfine if use_hyperfine else with_loop)(runs, warmup, cmd)
    except subprocess.CalledProcessError as e:
        print("timecmd: %s failed (exit %s)" % (" ".join(cmd), e.returncode), file=sys.stderr)
        return 1
    print("median_s=%.4f min_s=%.4f max_s=%.4f runs=%d tool=%s"
          % (median, low, high, n, "hyperfine" if use_hyperfine else "loop"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
