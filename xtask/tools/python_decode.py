"""Decodes a JSON list of clients with the Python client generated from the
spec (openapi-python-client): json.loads, then TrackClient.from_dict on each.
Prints the median seconds of RUNS decodes and the peak memory tracemalloc
saw during one more. Run by the client benchmark (`cargo xtask bench`)."""

import json
import sys
import time
import tracemalloc

from toggl_track_clients.models import TrackClient


def decode(raw):
    return [TrackClient.from_dict(item) for item in json.loads(raw)]


def main(path, runs):
    with open(path, "rb") as f:
        raw = f.read()
    decode(raw)  # warm-up, not measured
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        value = decode(raw)
        times.append(time.perf_counter() - started)
        del value
    tracemalloc.start()
    value = decode(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(value) > 0
    times.sort()
    print(times[len(times) // 2], peak)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
