"""The TT-Metal program of the README's examples, run as `python my_model.py`.

Like a TT-Metal process with TT_ALLOC_TRACKING_ENABLED=1, it connects to the tracker's socket
(TRACKER_SOCKET) and reports its allocations in 144-byte frames: three DRAM buffers of 32 MiB on
device 0, at 0x20000000, 0x22000000 and 0x24000000. It prints "ready PID" and holds them until it
is killed or its stdin ends.
"""
import os
import socket
import struct
import sys
import time

ALLOC, DRAM, MIB = 1, 0, 1 << 20

connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
connection.connect(os.environ['TRACKER_SOCKET'])
for number in range(3):
    frame = bytearray(144)
    struct.pack_into('<B', frame, 0, ALLOC)
    struct.pack_into('<i', frame, 4, 0)  # device
    struct.pack_into('<Q', frame, 8, 32 * MIB)  # size
    struct.pack_into('<B', frame, 16, DRAM)
    struct.pack_into('<i', frame, 20, os.getpid())
    struct.pack_into('<Q', frame, 24, 0x20000000 + number * 32 * MIB)  # buffer id: the device address
    struct.pack_into('<Q', frame, 32, time.time_ns())
    connection.sendall(frame)
print('ready', os.getpid(), flush=True)
sys.stdin.read()
