"""A TT-Metal-like client for the fleet store's tests: `python3 fleet_load.py ALLOCS WINDOW [SECONDS]`.

Connects to TRACKER_SOCKET and reports ALLOCS DRAM buffer allocations on device 0 (144-byte
frames), freeing the oldest once WINDOW are live; at the end it frees all but LEAK of them and
exits holding those (the daemon reaps it: a leak); LEAK comes from the environment (FLEET_LOAD_LEAK,
default 0), so that clients leaking different amounts have one command line. SECONDS spreads the allocations over that
long (load over time). Prints "events N": the frames it sent that change the live set.
"""
import os
import socket
import struct
import sys
import time

ALLOC, FREE, DRAM = 1, 2, 0


def frame(kind, buffer_id, size):
    data = bytearray(144)
    struct.pack_into('<B', data, 0, kind)
    struct.pack_into('<i', data, 4, 0)  # device
    struct.pack_into('<Q', data, 8, size)
    struct.pack_into('<B', data, 16, DRAM)
    struct.pack_into('<i', data, 20, os.getpid())
    struct.pack_into('<Q', data, 24, buffer_id)
    struct.pack_into('<Q', data, 32, time.time_ns())
    return bytes(data)


def main():
    allocs, window = int(sys.argv[1]), int(sys.argv[2])
    leak = int(os.environ.get('FLEET_LOAD_LEAK', '0'))
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(os.environ['TRACKER_SOCKET'])
    base = os.getpid() << 24
    live = []
    events = 0
    started = time.monotonic()
    batch = []
    for number in range(allocs):
        buffer_id = base + number
        batch.append(frame(ALLOC, buffer_id, 4096 * (1 + number % 7)))
        live.append(buffer_id)
        events += 1
        if len(live) > window:
            batch.append(frame(FREE, live.pop(0), 0))
            events += 1
        if len(batch) >= 64:
            connection.sendall(b''.join(batch))
            batch = []
            if seconds > 0:
                # pace: the allocation number-th belongs at this share of the run
                due = started + seconds * (number + 1) / allocs
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
    while len(live) > leak:
        batch.append(frame(FREE, live.pop(0), 0))
        events += 1
    connection.sendall(b''.join(batch))
    # like allocgen: end the stream and wait for the daemon to close it, so that everything sent
    # was read before this process dies (a reap of a dead client does not wait for its unread frames)
    connection.shutdown(socket.SHUT_WR)
    while connection.recv(4096):
        pass
    print('events', events, flush=True)
    connection.close()


main()
