#!/usr/bin/env python3
"""What the daemon must hold for one reclient.py process, from the client's own log.

  model.py check --log LOG --state STATE --rows ROWS --pid PID [--kill-time T] [--final]

ROWS: the records the daemon (or its file) holds: `tracker dump --format json` (all pids;
those of PID are taken), or a CSV with the columns kind, device_id, buffer_id, type, size,
ref_count (e.g. a process's reaped_allocations).

STATE (JSON, created when missing) carries the daemon-side view between checks: the records
it must hold for PID after the last check, and the last message considered. A check takes the
messages sent whole since then (K lines; with --final also a last message whose outcome was
never logged, because the process was killed during the send), and finds the longest prefix
of them whose effect on the previous view gives exactly ROWS; with --committed N (how many of
them the daemon's history holds) the prefix must be exactly N long. Messages after that
prefix were lost (sent, but not committed when the daemon died). The view becomes that
prefix's.

Prints one JSON line: match (a prefix fits), events (messages considered), committed, lost,
lost_age_ms (kill time minus the send time of the first lost message, with --kill-time),
rows, expected_rows; when nothing fits, what differs at the full prefix.
"""
import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trk  # noqa: E402

MASK = (1 << 64) - 1


def type_name(kind, code):
    if kind == "BUFFER":
        return trk.MEMORY_TYPES[code] if code < len(trk.MEMORY_TYPES) else str(code)
    if kind == "KERNEL":
        return trk.KERNEL_TYPES[code] if code < len(trk.KERNEL_TYPES) else str(code)
    return None  # a CB's memory kind is the daemon's to name


def parse_log(path):
    """seq -> dict(t, op, kind, device, id, size, type, outcome ('K', 'D' or None), conn)."""
    events = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts or (parts[0] in ("P", "K", "D") and len(parts) < 2):
                continue
            if parts[0] == "P" and len(parts) == 9:
                seq = int(parts[1])
                events[seq] = dict(t=float(parts[2]), op=parts[3], kind=parts[4], device=int(parts[5]),
                                   id=int(parts[6], 16), size=int(parts[7]), type=int(parts[8]),
                                   outcome=None, conn=None)
            elif parts[0] == "K" and len(parts) == 3 and int(parts[1]) in events:
                events[int(parts[1])].update(outcome="K", conn=int(parts[2]))
            elif parts[0] == "D" and int(parts[1]) in events:
                events[int(parts[1])]["outcome"] = "D"
    return events


def load_rows(path, pid):
    rows = {}
    with open(path) as f:
        text = f.read()
    if text.lstrip().startswith("["):
        items = [r for r in json.loads(text) if int(r["pid"]) == pid]
    else:
        items = list(csv.DictReader(text.splitlines()))
    for r in items:
        bid = str(r["buffer_id"])
        bid = int(bid, 16) if bid.startswith("0x") else int(bid) & MASK
        key = (r["kind"], int(r["device_id"]), bid)
        rows[key] = (int(r["size"]), int(r["ref_count"]), r["type"] if r["kind"] != "CB" else None)
    return rows


def apply(view, e):
    """The daemon-side effect of one message (PROTOCOL.md semantics)."""
    key = (e["kind"], e["device"], e["id"])
    if e["op"] in ("ALLOC", "CB_ALLOC", "KERNEL_LOAD"):
        if key in view:
            size, ref, name = view[key]
            view[key] = (size, ref + 1, name)
        else:
            view[key] = (e["size"], 1, type_name(e["kind"], e["type"]))
    elif key in view:  # a free of an unknown key changes nothing
        size, ref, name = view[key]
        if ref > 1:
            view[key] = (size, ref - 1, name)
        else:
            del view[key]
    return key


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    c = sub.add_parser("check")
    c.add_argument("--log", required=True)
    c.add_argument("--state", required=True)
    c.add_argument("--rows", required=True)
    c.add_argument("--pid", type=int, required=True)
    c.add_argument("--kill-time", type=float)
    c.add_argument("--final", action="store_true")
    c.add_argument("--committed", type=int, help="how many of these messages the daemon committed (from its history)")
    opts = p.parse_args()

    state = {"last_seq": 0, "view": []}
    if os.path.exists(opts.state):
        with open(opts.state) as f:
            state = json.load(f)
    view = {tuple(k): tuple(v) for k, v in state["view"]}
    events = parse_log(opts.log)
    seqs = sorted(s for s in events if s > state["last_seq"] and (events[s]["outcome"] is not None or opts.final))
    candidates = [s for s in seqs if events[s]["outcome"] == "K"
                  or (opts.final and events[s]["outcome"] is None and s == seqs[-1])]
    observed = load_rows(opts.rows, opts.pid)

    diff = {k for k in set(view) | set(observed) if view.get(k) != observed.get(k)}
    views = {}  # prefix length -> view, for every prefix that gives exactly the observed rows
    if not diff:
        views[0] = dict(view)
    for i, s in enumerate(candidates, 1):
        key = apply(view, events[s])
        if view.get(key) == observed.get(key):
            diff.discard(key)
        else:
            diff.add(key)
        if not diff:
            views[i] = dict(view)
    if opts.committed is not None:
        best = opts.committed if opts.committed in views else None
    else:
        best = max(views) if views else None
    result = {"pid": opts.pid, "events": len(candidates), "match": best is not None, "rows": len(observed),
              "fitting_prefixes": len(views),
              # killed during its last send: that message may or may not have reached the daemon
              "unsure_last": bool(candidates) and events[candidates[-1]]["outcome"] is None,
              "full_rows": len(view)}  # what it would hold had nothing been lost
    if opts.committed is not None:
        result["committed_by_history"] = opts.committed
    if best is None:
        missing = [k for k in view if k not in observed]
        extra = [k for k in observed if k not in view]
        changed = [k for k in view if k in observed and view[k] != observed[k]]
        result.update(committed=None, lost=None, differs=len(diff), missing=len(missing), extra=len(extra),
                      changed=len(changed), expected_rows=len(view), largest_fitting=max(views) if views else None,
                      sample=[str(x) for x in (missing[:2] + extra[:2] + changed[:2])])
        new_view = observed  # carry on from what the daemon holds, so later checks still mean something
    else:
        lost = candidates[best:]
        result.update(committed=best, lost=len(lost), expected_rows=len(views[best]))
        if lost and opts.kill_time:
            result["lost_age_ms"] = round((opts.kill_time - events[lost[0]]["t"]) * 1000, 1)
            result["lost_newest_ms"] = round((opts.kill_time - events[lost[-1]]["t"]) * 1000, 1)
        new_view = views[best]
    if seqs:
        state["last_seq"] = seqs[-1]
    state["view"] = [[list(k), list(v)] for k, v in new_view.items()]
    tmp = opts.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, opts.state)
    print(json.dumps(result))
    return 0 if result["match"] else 1


if __name__ == "__main__":
    sys.exit(main())
