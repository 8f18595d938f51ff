#!/usr/bin/env python3
"""A TT-Metal-like client that keeps sending across daemon restarts, and logs every message
so that reliability/model.py can tell exactly what the daemon must hold for it.

Like the real client (PROTOCOL.md, "Semantics the clients rely on"): one connection per
process, one blocking send() per 144-byte message; when the server is absent or the
connection breaks, it warns once and drops the message; it reconnects on its next message.

It allocates and frees buffers (all memory kinds), and with --mix circular buffers and
kernels, keeping about --window records live; with --refcount some buffer ALLOCs repeat a
live key (reference count 2, 3, ...). Buffer ids are (pid << 32 | seq), never reused.

Signals: SIGUSR1 pauses after the current message (the status file then says "paused"),
SIGUSR2 resumes, SIGTERM ends (status "stopped"). --stop-after N pauses by itself after N
messages (a holder that keeps its records live and stays quiet).

Log (one line per write(2), so a kill -9 loses at most the line being written):
  C conn t                  connected (conn = 1, 2, ... for this process)
  X conn t error            the connection failed (the message is dropped)
  P seq t op kind device id size type   about to send message seq
  K seq conn                message seq sent whole on connection conn
  D seq                     message seq dropped (no server, or the send failed)
"""
import argparse
import os
import random
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trk  # noqa: E402

OPS = {  # op -> (message type, kind)
    "ALLOC": (trk.ALLOC, "BUFFER"), "FREE": (trk.FREE, "BUFFER"),
    "CB_ALLOC": (trk.CB_ALLOC, "CB"), "CB_FREE": (trk.CB_FREE, "CB"),
    "KERNEL_LOAD": (trk.KERNEL_LOAD, "KERNEL"), "KERNEL_UNLOAD": (trk.KERNEL_UNLOAD, "KERNEL"),
}
FREE_OF = {"BUFFER": "FREE", "CB": "CB_FREE", "KERNEL": "KERNEL_UNLOAD"}
ALLOC_OF = {"BUFFER": "ALLOC", "CB": "CB_ALLOC", "KERNEL": "KERNEL_LOAD"}


class Client:
    def __init__(self, opts):
        self.opts = opts
        self.pid = os.getpid()
        self.rng = random.Random(opts.seed * 1000003 + self.pid)
        self.log_fd = os.open(opts.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.sock = None
        self.conn = 0
        self.warned = False
        self.seq = 0
        self.seq_id = 0         # buffer ids handed out
        self.sent_ok = 0
        self.dropped = 0
        self.live = {}          # key (kind, device, id) -> [type, size, refcount], as this process sees it
        self.keys = []          # the live keys, for a random pick
        self.index = {}
        self.paused = False
        self.stopping = False

    def write_log(self, line):
        os.write(self.log_fd, (line + "\n").encode())

    def write_status(self, state):
        if not self.opts.status:
            return
        tmp = self.opts.status + ".tmp"
        with open(tmp, "w") as f:
            f.write("state=%s pid=%d seq=%d conn=%d sent_ok=%d dropped=%d live=%d t=%.6f\n"
                    % (state, self.pid, self.seq, self.conn, self.sent_ok, self.dropped, len(self.live), time.time()))
        os.replace(tmp, self.opts.status)

    # ---- the real client's connection behaviour ----
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.opts.socket)
        except OSError as e:
            s.close()
            if not self.warned:
                print("reclient[%d]: tracker unreachable (%s), dropping reports until it returns"
                      % (self.pid, e.strerror or e), file=sys.stderr, flush=True)
                self.warned = True
            return False
        self.sock = s
        self.conn += 1
        self.write_log("C %d %.6f" % (self.conn, time.time()))
        if self.warned:
            print("reclient[%d]: reconnected (connection %d)" % (self.pid, self.conn), file=sys.stderr, flush=True)
        self.warned = False
        return True

    def send(self, data):
        if self.sock is None and not self.connect():
            return False
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            self.write_log("X %d %.6f %s" % (self.conn, time.time(), (e.strerror or str(e)).replace(" ", "_")))
            if not self.warned:
                print("reclient[%d]: lost the tracker (%s), dropping reports until it returns"
                      % (self.pid, e.strerror or e), file=sys.stderr, flush=True)
                self.warned = True
            self.sock.close()
            self.sock = None
            return False

    # ---- what to send next ----
    def add_key(self, key, value):
        self.live[key] = value
        self.index[key] = len(self.keys)
        self.keys.append(key)

    def drop_key(self, key):
        del self.live[key]
        i = self.index.pop(key)
        last = self.keys.pop()
        if i < len(self.keys):
            self.keys[i] = last
            self.index[last] = i

    def next_message(self):
        """(op, kind, device, id, size, type) of the next message; updates this process's view."""
        r = self.rng
        n, w = len(self.live), self.opts.window
        allocate = n == 0 or (n < w and r.random() < (0.8 if n < w // 2 else 0.5))
        if not allocate:
            key = self.keys[r.randrange(len(self.keys))]
            value = self.live[key]
            value[2] -= 1
            if value[2] == 0:
                self.drop_key(key)
            kind, device, bid = key
            op = FREE_OF[kind]
            # like TT-Metal: FREE carries no size; CB_FREE and KERNEL_UNLOAD do
            return op, kind, device, bid, 0 if kind == "BUFFER" else value[1], value[0]
        if self.opts.refcount and self.keys and r.random() < 0.05:
            key = self.keys[r.randrange(len(self.keys))]
            if key[0] == "BUFFER":
                value = self.live[key]
                value[2] += 1
                return "ALLOC", "BUFFER", key[1], key[2], value[1], value[0]
        self.seq_id += 1
        kind = "BUFFER"
        if self.opts.mix:
            x = r.random()
            kind = "KERNEL" if x < 0.08 else "CB" if x < 0.2 else "BUFFER"
        device = r.choice(self.opts.devices)
        bid = (self.pid << 32) | self.seq_id
        size = r.choice((1, 2, 3, 4, 8, 16, 64, 256)) * 4096 + (r.randrange(64) * 32 if kind == "BUFFER" else 0)
        mtype = r.randrange(5) if kind == "BUFFER" else r.randrange(3) if kind == "KERNEL" else 0
        self.add_key((kind, device, bid), [mtype, size, 1])
        return ALLOC_OF[kind], kind, device, bid, size, mtype

    def run(self):
        signal.signal(signal.SIGUSR1, lambda *_: setattr(self, "paused", True))
        signal.signal(signal.SIGUSR2, lambda *_: setattr(self, "paused", False))
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        self.write_status("running")
        period = 1.0 / self.opts.rate
        next_t = time.time()
        end = time.time() + self.opts.duration if self.opts.duration else None
        while not self.stopping and (end is None or time.time() < end):
            if self.opts.stop_after and self.seq >= self.opts.stop_after:
                self.paused = True
            if self.paused:
                self.write_status("paused")
                while self.paused and not self.stopping:
                    time.sleep(0.02)
                if self.stopping:
                    break
                self.write_status("running")
                next_t = time.time()
            op, kind, device, bid, size, mtype = self.next_message()
            self.seq += 1
            t = time.time()
            self.write_log("P %d %.6f %s %s %d %x %d %d" % (self.seq, t, op, kind, device, bid, size, mtype))
            data = trk.frame(OPS[op][0], device=device, size=size, buffer_type=mtype if op in ("ALLOC", "KERNEL_LOAD") else 0,
                             pid=self.pid, buffer_id=bid, timestamp=0 if op.endswith("FREE") or op.endswith("UNLOAD")
                             else time.time_ns())
            if self.send(data):
                self.sent_ok += 1
                self.write_log("K %d %d" % (self.seq, self.conn))
            else:
                self.dropped += 1
                self.write_log("D %d" % self.seq)
            next_t += period
            delay = next_t - time.time()
            if delay > 0.002:
                time.sleep(delay)
            elif delay < -1.0:
                next_t = time.time()  # fell behind (a stalled send): do not burst to catch up
        self.write_status("stopped")
        if self.sock:
            self.sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--status")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=1000.0, help="messages per second")
    p.add_argument("--window", type=int, default=400, help="about how many records to keep live")
    p.add_argument("--devices", default="1,2", help="device ids to use, comma-separated")
    p.add_argument("--mix", action="store_true", help="circular buffers and kernels too")
    p.add_argument("--refcount", action="store_true", help="repeat ALLOCs of live buffers")
    p.add_argument("--stop-after", type=int, default=0, help="pause by itself after this many messages")
    p.add_argument("--duration", type=float, default=0, help="end after this many seconds (0: on SIGTERM)")
    opts = p.parse_args()
    opts.devices = [int(d) for d in opts.devices.split(",")]
    Client(opts).run()


if __name__ == "__main__":
    main()
