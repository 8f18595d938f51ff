#!/usr/bin/env python3
"""Talks to a running tracker daemon through its command socket (DATABASE.ctl), the
way `tracker <command>` does, without starting a JVM per call, so the benchmarks can
poll every few milliseconds. The request and reply format is the one documented in
the daemon's ControlServer: request = int argc, then per argument int length +
UTF-8 bytes; reply = (byte stream, int length, bytes)..., then (byte 0, int exit code).
When the socket does not answer as expected, each call falls back to the CLI (--cli).

  ctl.py [--cli TRACKER] run CTL -- ARGS...          run one command, copy its output
  ctl.py [--cli TRACKER] wait-committed CTL DB MIN T0 [--interval S] [--timeout S]
        poll `stats --format json` until daemon.events_received >= MIN and
        events_committed == events_received; print "lag_s=<now - T0> polls=<n>"
  ctl.py [--cli TRACKER] wait-sql CTL DB QUERY T0 [--interval S] [--timeout S]
        poll `sql QUERY` (a count) until its last number is >= --min (default 1); print "lag_s=..."
"""
import argparse
import json
import re
import socket
import struct
import subprocess
import sys
import time


class ControlError(Exception):
    pass


def connect(s, ctl, timeout):
    """With a timeout, a UNIX-domain connect does not wait for room in a full listen backlog
    (EAGAIN at once, while the daemon is still accepting a burst): retry until the timeout."""
    deadline = time.time() + timeout
    while True:
        try:
            s.connect(ctl)
            return
        except BlockingIOError:
            if time.time() > deadline:
                raise
            time.sleep(0.01)


def run_socket(ctl, args, timeout=60.0):
    """(exit code, stdout bytes, stderr bytes) of ARGS run inside the daemon."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        connect(s, ctl, timeout)
        request = [struct.pack(">i", len(args))]
        for arg in args:
            data = arg.encode()
            request.append(struct.pack(">i", len(data)))
            request.append(data)
        s.sendall(b"".join(request))
        reader = s.makefile("rb")

        def exactly(n):
            data = reader.read(n)
            if data is None or len(data) != n:
                raise ControlError("short reply")
            return data

        out, err = [], []
        while True:
            stream = exactly(1)[0]
            if stream == 0:
                return struct.unpack(">i", exactly(4))[0], b"".join(out), b"".join(err)
            if stream not in (1, 2):
                raise ControlError("unknown stream %d" % stream)
            length = struct.unpack(">i", exactly(4))[0]
            (out if stream == 1 else err).append(exactly(length))


def run(cli, ctl, args, timeout=60.0):
    """run_socket, or the CLI (when given) if the socket does not answer as expected."""
    try:
        return run_socket(ctl, args, timeout)
    except (OSError, ControlError, struct.error):
        if not cli:
            raise
        p = subprocess.run([cli] + args, capture_output=True)
        return p.returncode, p.stdout, p.stderr


def daemon_args(args, db):
    return args + ["--db", db]


def poll(opts, probe):
    deadline = time.time() + opts.timeout
    polls = 0
    while True:
        polls += 1
        if probe():
            print("lag_s=%.3f polls=%d" % (time.time() - opts.t0, polls))
            return 0
        if time.time() > deadline:
            print("lag_s=timeout polls=%d" % polls)
            return 1
        time.sleep(opts.interval)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=None)
    sub = parser.add_subparsers(dest="what", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("ctl")
    p_run.add_argument("args", nargs=argparse.REMAINDER)
    for name in ("wait-committed", "wait-sql"):
        p = sub.add_parser(name)
        p.add_argument("ctl")
        p.add_argument("db")
        p.add_argument("min" if name == "wait-committed" else "query")
        p.add_argument("t0", type=float)
        p.add_argument("--interval", type=float, default=0.05)
        p.add_argument("--timeout", type=float, default=120.0)
        p.add_argument("--min", dest="at_least", type=int, default=1)
    opts = parser.parse_args()

    if opts.what == "run":
        args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
        code, out, err = run(opts.cli, opts.ctl, args)
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        return code

    if opts.what == "wait-committed":
        minimum = int(opts.min)

        def committed():
            code, out, _ = run(opts.cli, opts.ctl, ["stats", "--db", opts.db, "--format", "json"])
            if code != 0:
                return False
            daemon = json.loads(out).get("daemon") or {}
            received = daemon.get("events_received", -1)
            return received >= minimum and daemon.get("events_committed") == received

        return poll(opts, committed)

    def present():
        code, out, _ = run(opts.cli, opts.ctl, ["sql", "--db", opts.db, opts.query])
        numbers = re.findall(rb"\b\d+\b", out)
        return code == 0 and bool(numbers) and int(numbers[-1]) >= opts.at_least

    return poll(opts, present)


if __name__ == "__main__":
    sys.exit(main())
