#!/usr/bin/env python3
"""Small helpers the reliability scripts share: the wire format (PROTOCOL.md), the daemon's
command socket (the way `tracker <command>` reaches a running daemon, without a JVM start
per call), and a few polls.

  trk.py [--cli TRACKER] ctl [--timeout S] CTL -- ARGS...
        run one CLI command in the daemon (fallback: the CLI)
  trk.py [--cli TRACKER] wait-committed CTL DB [--timeout S] [--moving]
        poll `stats` until events_committed == events_received and the queue is empty (with
        --moving, while clients keep sending: until everything received a second earlier is
        committed); prints the daemon figures, polls and failed polls as JSON; exit 1 on timeout
  trk.py query SOCK DEVICE [--timeout S]         one QUERY on a fresh connection; prints the totals as JSON
  trk.py wait-empty SOCK DEVICE [--timeout S]    QUERY every 20 ms until the device holds nothing; prints
                                                 the seconds it took; exit 1 on timeout
  trk.py allocgen-expect N W Z MIX DEVICES       the live set an allocgen client leaves after N messages
                                                 (records, bytes; per kind) as JSON

Control socket format (see the daemon's ControlServer): request = int argc, then per argument
int length + UTF-8 bytes (big-endian); reply = (byte stream, int length, bytes)..., then
(byte 0, int exit code).
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

# the command-socket client, one copy for the benchmarks and these scripts
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import ctl as ctl_client  # noqa: E402
from ctl import ControlError  # noqa: E402

FRAME = 144
ALLOC, FREE, QUERY, RESPONSE, DUMP_REMAINING, DEVICE_INFO_QUERY, DEVICE_INFO_RESPONSE = 1, 2, 3, 4, 5, 6, 7
CB_ALLOC, CB_FREE, KERNEL_LOAD, KERNEL_UNLOAD, DUMP_KERNELS = 8, 9, 10, 11, 12
MEMORY_TYPES = ["DRAM", "L1", "SYSTEM_MEMORY", "L1_SMALL", "TRACE"]
KERNEL_TYPES = ["APPLICATION", "FABRIC", "DISPATCH"]

_HEAD = struct.Struct("<B3xiQB3xiQQ")  # type, device, size, buffer_type, pid, buffer_id, timestamp


def frame(kind, device=0, size=0, buffer_type=0, pid=0, buffer_id=0, timestamp=0, length=FRAME):
    """One little-endian frame; reply fields and the v3 tail are zero."""
    head = _HEAD.pack(kind, device, size, buffer_type, pid, buffer_id, timestamp)
    return head + bytes(length - len(head))


def decode_response(data):
    """The totals of a RESPONSE frame: dram, l1, l1_small, trace (and cb, kernel in v3)."""
    kind, device = data[0], struct.unpack_from("<i", data, 4)[0]
    names = ["dram", "l1", "l1_small", "trace", "cb", "kernel"]
    values = struct.unpack_from("<6Q", data, 40)
    return dict(type=kind, device=device, **dict(zip(names, values)))


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def connect(path, timeout=30.0):
    """A connection to the daemon; like allocgen, retries while its listen queue is full
    (EAGAIN on a Unix socket) or it is not listening yet."""
    deadline = time.time() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except (BlockingIOError, ConnectionRefusedError, FileNotFoundError):
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.01)


def query(path, device, timeout=30.0):
    with connect(path, timeout) as s:
        s.sendall(frame(QUERY, device=device, pid=os.getpid()))
        return decode_response(recv_exactly(s, FRAME))


def run(cli, ctl, args, timeout=120.0):
    return ctl_client.run(cli, ctl, args, timeout)


def stats(cli, ctl, db):
    code, out, err = run(cli, ctl, ["stats", "--db", db, "--format", "json"])
    if code != 0:
        raise ControlError("stats failed (%d): %s" % (code, err.decode(errors="replace").strip()))
    return json.loads(out)


def allocgen_expect(n, w, z, mix, devices):
    """What one allocgen client leaves live after N messages (see allocgen.c): the seqs in
    [frees, allocs). Returns records and bytes in all, and per (kind) for the audit."""
    if n <= w:
        allocs, frees = n, 0
    else:
        r = n - w
        frees = (r + 1) // 2
        allocs = w + r // 2
    out = {"records": 0, "bytes": 0, "buffers": 0, "buffer_bytes": 0, "cbs": 0, "cb_bytes": 0,
           "kernels": 0, "kernel_bytes": 0, "dev0_dram": 0, "dev0_l1": 0}
    for s in range(frees, allocs):
        size = z * (1 + s % 7)
        kind = "buffers"
        if mix and s % 16 == 15:
            kind = "kernels"
        elif mix and s % 8 == 7:
            kind = "cbs"
        out[kind] += 1
        out[kind[:-1] + "_bytes"] += size
        out["records"] += 1
        out["bytes"] += size
        if kind == "buffers" and s % devices == 0:
            out["dev0_dram" if s % 2 == 0 else "dev0_l1"] += size
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=None)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("ctl")
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("ctl")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p = sub.add_parser("wait-committed")
    p.add_argument("ctl")
    p.add_argument("db")
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--moving", action="store_true",
                   help="clients keep sending: done once everything received a second earlier is committed")
    p = sub.add_parser("query")
    p.add_argument("sock")
    p.add_argument("device", type=int)
    p.add_argument("--timeout", type=float, default=30.0)
    p = sub.add_parser("wait-empty")
    p.add_argument("sock")
    p.add_argument("device", type=int)
    p.add_argument("--timeout", type=float, default=60.0)
    p = sub.add_parser("allocgen-expect")
    for name in ("n", "w", "z", "mix", "devices"):
        p.add_argument(name, type=int)
    opts = parser.parse_args()

    if opts.what == "ctl":
        args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
        code, out, err = run(opts.cli, opts.ctl, args, opts.timeout)
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        return code
    if opts.what == "wait-committed":
        deadline = time.time() + opts.timeout
        figures, polls, failed, last_error = {}, 0, 0, None
        seen = []  # (time, events_received) of earlier polls
        while time.time() < deadline:
            polls += 1
            t = time.time()
            try:
                figures = dict(stats(opts.cli, opts.ctl, opts.db).get("daemon") or {})
            except (ControlError, ValueError, OSError) as e:
                failed += 1
                last_error = str(e)[:300]
                figures = {}
            committed = figures.get("events_committed")
            if opts.moving:
                older = [r for (when, r) in seen if when <= t - 1.0]
                done = committed is not None and bool(older) and committed >= older[-1]
                if figures.get("events_received") is not None:
                    seen.append((t, figures["events_received"]))
            else:
                done = committed == figures.get("events_received") is not None \
                    and figures.get("queue_depth", 0) == 0
            if done or time.time() >= deadline:
                break
            time.sleep(opts.interval)
        figures.update(polls=polls, failed_polls=failed, last_error=last_error)
        print(json.dumps(figures))
        return 0 if done else 1
    if opts.what == "query":
        print(json.dumps(query(opts.sock, opts.device, opts.timeout)))
        return 0
    if opts.what == "wait-empty":
        t0 = time.time()
        while True:
            try:
                totals = query(opts.sock, opts.device)
            except OSError:
                totals = {"dram": -1}
            if not any(totals.get(k) for k in ("dram", "l1", "l1_small", "trace", "cb", "kernel")):
                print("%.3f" % (time.time() - t0))
                return 0
            if time.time() - t0 > opts.timeout:
                print("timeout")
                return 1
            time.sleep(0.02)
    if opts.what == "allocgen-expect":
        print(json.dumps(allocgen_expect(opts.n, opts.w, opts.z, opts.mix, opts.devices)))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
