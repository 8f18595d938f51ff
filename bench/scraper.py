#!/usr/bin/env python3
"""Scrapes a /metrics URL at a steady rate until SIGTERM, then prints
"scrapes=N failures=F median_ms=M max_ms=X bytes=B" (B: size of the last answer).

  scraper.py URL [HZ=10]
"""
import signal
import statistics
import sys
import time
import urllib.request

url = sys.argv[1]
hz = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
times, failures, size = [], 0, 0
next_at = time.monotonic()
while not stop:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            size = len(answer.read())
        times.append((time.monotonic() - started) * 1000)
    except Exception:
        failures += 1
    next_at += 1.0 / hz
    time.sleep(max(0.0, next_at - time.monotonic()))
print("scrapes=%d failures=%d median_ms=%.2f max_ms=%.2f bytes=%d" % (
    len(times), failures, statistics.median(times) if times else -1, max(times) if times else -1, size))
