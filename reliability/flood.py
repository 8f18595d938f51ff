#!/usr/bin/env python3
"""Opens many connections to the daemon and keeps them open: more than its file-descriptor
limit allows it to accept (reliability/connections.sh).

  flood.py --socket S --count N [--frames K] [--hold S] [--status FILE]

Each connection sends K well-formed FREE frames of keys never allocated (device 7, this
process's pid): every one must end up counted as an unknown free, whether the daemon accepted
the connection at once or only after others closed. A connect that does not complete within
--connect-timeout (the daemon's listen queue is full) counts as refused; after 20 refusals in
a row it stops trying. Then it holds the connections --hold seconds, closes them all, and
prints "connected=C refused=R frames=F send_errors=E" (also to --status once connected).
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trk  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--frames", type=int, default=3)
    p.add_argument("--hold", type=float, default=5.0)
    p.add_argument("--connect-timeout", type=float, default=0.5)
    p.add_argument("--status")
    opts = p.parse_args()
    pid = os.getpid()
    socks, refused, in_a_row, frames, send_errors = [], 0, 0, 0, 0
    seq = 0
    for _ in range(opts.count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(opts.connect_timeout)
        try:
            s.connect(opts.socket)
        except OSError:
            s.close()
            refused += 1
            in_a_row += 1
            if in_a_row >= 20:
                break
            continue
        in_a_row = 0
        data = b""
        for _ in range(opts.frames):
            seq += 1
            data += trk.frame(trk.FREE, device=7, pid=pid, buffer_id=(1 << 62) | (pid << 24) | seq)
        try:
            s.sendall(data)  # a few hundred bytes: they fit in the socket buffer even if never accepted
            frames += opts.frames
        except OSError:
            send_errors += 1
        socks.append(s)
    line = "connected=%d refused=%d frames=%d send_errors=%d" % (len(socks), refused, frames, send_errors)
    if opts.status:
        with open(opts.status + ".tmp", "w") as f:
            f.write(line + "\n")
        os.replace(opts.status + ".tmp", opts.status)
    time.sleep(opts.hold)
    for s in socks:
        s.close()
    print(line, flush=True)


if __name__ == "__main__":
    main()
