#!/usr/bin/env python3
"""Helpers for bench/reap.sh.

  reapwatch.py wait --pid P --ctl CTL --db DB [--held N] [--interval S] [--timeout S] [--cli TRACKER]
      With --held N, first waits until N live records of P are committed, then SIGKILLs P.
      Waits for process P to die (pidfd, else /proc polling), then polls the daemon's
      command socket with `sql "SELECT COUNT(*) FROM reaps WHERE pid = P"` until the audit
      record is visible (it is written in the reap's transaction, so visible = committed).
      Prints "death=<epoch s> committed=<epoch s> polls=<n>".

  reapwatch.py analyze --probe FILE --death T --committed T [--log DAEMON_LOG --pid P]
      Reads qprobe's round trips ("<send ns> <reply ns>" per line) and prints, for the
      round trips that overlap the reap window [death, committed]: their count and the
      worst; for the others: count, median, worst. With --log, also the time from death
      to the daemon's "reaped pid P" log line and the buffer count of its "Removed" line.
"""
import argparse
import datetime
import os
import re
import select
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctl  # noqa: E402


def wait_death(pid, timeout):
    deadline = time.time() + timeout
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll(200):
            if time.time() > deadline:
                raise SystemExit("reapwatch: pid %d did not die within %.0f s" % (pid, timeout))
        died = time.time()
        os.close(fd)
        return died
    while True:  # no pidfd: a zombie or a missing /proc entry is dead
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state in ("Z", "X"):
                return time.time()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return time.time()
        if time.time() > deadline:
            raise SystemExit("reapwatch: pid %d did not die within %.0f s" % (pid, timeout))
        time.sleep(0.001)


def sql_count(o, query):
    code, out, _ = ctl.run(o.cli, o.ctl, ["sql", "--db", o.db, "--format", "csv", query])
    numbers = re.findall(rb"\b\d+\b", out)
    return int(numbers[-1]) if code == 0 and numbers else -1


def cmd_wait(o):
    if o.held > 0:
        # kill the victim once its records are committed, so the reap is timed alone
        query = ("SELECT COUNT(*) FROM allocations a JOIN processes p ON a.process_id = p.id"
                 " WHERE p.pid = %d" % o.pid)
        deadline = time.time() + o.timeout
        while sql_count(o, query) < o.held:
            if time.time() > deadline:
                raise SystemExit("reapwatch: %d records of pid %d not committed within %.0f s"
                                 % (o.held, o.pid, o.timeout))
            time.sleep(0.2)
        os.kill(o.pid, 9)
    died = wait_death(o.pid, o.timeout)
    query = "SELECT COUNT(*) FROM reaps WHERE pid = %d" % o.pid
    polls = 0
    deadline = died + o.timeout
    while True:
        polls += 1
        if sql_count(o, query) > 0:
            committed = time.time()
            break
        if time.time() > deadline:
            print("death=%.6f committed=timeout polls=%d" % (died, polls))
            return 1
        time.sleep(o.interval)
    print("death=%.6f committed=%.6f polls=%d" % (died, committed, polls))
    return 0


def log_figures(path, pid, death):
    """(seconds from death to the 'reaped pid' log line, buffers in the 'Removed' line)."""
    reaped_at, removed = None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) reaped pid %d\b" % pid, line)
            if m and reaped_at is None:
                day = datetime.datetime.fromtimestamp(death)  # local time, like the daemon's log
                t = day.replace(hour=int(m[1]), minute=int(m[2]), second=int(m[3]),
                                microsecond=int(m[4]) * 1000)
                reaped_at = t.timestamp() - death
            m = re.search(r"Removed (\d+) buffers .* from PID %d\b" % pid, line)
            if m and removed is None:
                removed = int(m[1])
    return reaped_at, removed


def cmd_analyze(o):
    during, outside = [], []
    start_ns, end_ns = int(o.death * 1e9), int(o.committed * 1e9)
    with open(o.probe) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            t0, t1 = int(parts[0]), int(parts[1])
            (during if t0 < end_ns and t1 > start_ns else outside).append((t1 - t0) / 1e6)
    fields = {
        "reap_s": "%.3f" % (o.committed - o.death),
        "rtt_during_n": len(during),
        "rtt_during_max_ms": "%.2f" % max(during) if during else "?",
        "rtt_outside_n": len(outside),
        "rtt_outside_median_ms": "%.3f" % statistics.median(outside) if outside else "?",
        "rtt_outside_max_ms": "%.2f" % max(outside) if outside else "?",
    }
    if o.log:
        deadline = time.time() + o.log_wait  # the line may come a little after the commit
        while True:
            logged, removed = log_figures(o.log, o.pid, o.death)
            if (logged is not None and removed is not None) or time.time() > deadline:
                break
            time.sleep(0.1)
        fields["reap_log_s"] = "%.3f" % logged if logged is not None else "?"
        fields["removed_buffers"] = removed if removed is not None else "?"
    print(" ".join("%s=%s" % kv for kv in fields.items()))
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--pid", type=int, required=True)
    w.add_argument("--ctl", required=True)
    w.add_argument("--db", required=True)
    w.add_argument("--cli", default=None)
    w.add_argument("--interval", type=float, default=0.01)
    w.add_argument("--held", type=int, default=0)
    w.add_argument("--timeout", type=float, default=120.0)
    a = sub.add_parser("analyze")
    a.add_argument("--probe", required=True)
    a.add_argument("--death", type=float, required=True)
    a.add_argument("--committed", type=float, required=True)
    a.add_argument("--log")
    a.add_argument("--pid", type=int)
    a.add_argument("--log-wait", type=float, default=30.0)
    o = parser.parse_args()
    return cmd_wait(o) if o.what == "wait" else cmd_analyze(o)


if __name__ == "__main__":
    sys.exit(main())
