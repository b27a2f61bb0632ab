#!/usr/bin/env python3
"""bench/interleave.py - time `git commit` in several repositories taking
turns, so that the machine's slow drifts (other work, a busy disk) fall on
every variant alike; hyperfine times one variant's runs in a block.

    bench/interleave.py RUNS MSGFILE NAME=DIR [NAME=DIR ...]

Before each commit a changed f.txt is staged (not timed). Prints JSON: for
each NAME its median commit time in seconds, and "NAME-over" the median,
over the rounds, of (NAME's time - the first NAME's time in that round).
The order of the variants rotates from round to round.
"""
import json
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 64
    runs, msg = int(sys.argv[1]), sys.argv[2]
    variants = [a.split("=", 1) for a in sys.argv[3:]]
    times = {name: [] for name, _ in variants}
    over = {name: [] for name, _ in variants}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    for r in range(runs + 2):
        k = r % len(variants)
        order = variants[k:] + variants[:k]
        got = {}
        for name, d in order:
            with open(d + "/f.txt", "w") as f:
                f.write("%d\n" % time.time_ns())
            subprocess.run(["git", "-C", d, "add", "f.txt"], check=True, **quiet)
            t0 = time.perf_counter_ns()
            p = subprocess.run(["git", "-C", d, "commit", "-q", "-F", msg], **quiet)
            t = (time.perf_counter_ns() - t0) / 1e9
            if p.returncode:
                sys.stderr.write("commit failed in %s\n" % d)
                return 1
            got[name] = t
        if r < 2:
            continue  # warm-up rounds
        first = variants[0][0]
        for name, _ in variants:
            times[name].append(got[name])
            over[name].append(got[name] - got[first])
    out = {}
    for name, _ in variants:
        out[name] = statistics.median(times[name])
        out[name + "-over"] = statistics.median(over[name])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
