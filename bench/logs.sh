#!/bin/sh
# logs.sh - `bosun logs stats` on a 1 GB log of bosun's own JSON lines: a
# first pass (--full) against `grep -c` on the same file, taking turns,
# medians and the ratio; then the incremental pass over a new 1 MB tail.
# Targets: first pass >= 200 MB/s, the new tail read in <= 1 s.
#	bench/logs.sh [PATH/TO/bosun]	(default: build/bosun)
# Environment: BENCH_LOGS_MB (1024), BENCH_LOGS_RUNS (5).
set -eu
BOSUN=$(cd "$(dirname "${1:-build/bosun}")" && pwd)/$(basename "${1:-build/bosun}")
[ -x "$BOSUN" ] || { echo "bench: no bosun at $BOSUN" >&2; exit 1; }
WORK=$(cd "$(dirname "$0")" && pwd)/.work/logs
mkdir -p "$WORK"
exec python3 - "$BOSUN" "$WORK" <<'PY'
import os, random, resource, shutil, statistics, subprocess, sys, time
bosun, work = sys.argv[1], sys.argv[2]
size_mb = int(os.environ.get("BENCH_LOGS_MB", "1024"))
runs = int(os.environ.get("BENCH_LOGS_RUNS", "5"))
rnd = random.Random(7)
env = dict(os.environ, BOSUN_HOME=os.path.join(work, "home"), NO_COLOR="1", BOSUN_LOG="0")
repo = os.path.join(work, "repo")
log = os.path.join(work, "big.log")
levels = ["info"] * 80 + ["debug"] * 10 + ["warn"] * 6 + ["error"] * 3 + ["degraded"]
events = ["release", "agents", "scan", "hooks", "work", "sync", "deploy", "lock"]

def lines(n, start):
    out = []
    for i in range(start, start + n):
        h = (i // 20000) % 24
        msg = "step %d of the %s run: %s" % (i, events[i % 8], "x" * rnd.randint(10, 120))
        if i % 997 == 0:
            msg += ' with \\"quotes\\", a tab\\t and a \\u00e9'
        out.append('{"ts":"2026-12-%02dT%02d:%02d:%02d.%03dZ","level":"%s","event":"%s","pid":%d,"msg":"%s"}\n'
                   % (1 + (i // 480000) % 28, h, (i // 60) % 60, i % 60, i % 1000,
                      rnd.choice(levels), events[i % 8], 1000 + i % 50, msg))
    return "".join(out).encode()

sizefile = log + ".size"
if not os.path.exists(sizefile) or int(open(sizefile).read()) < size_mb << 20:
    print("writing a %d MB log (once; kept in %s)" % (size_mb, work))
    chunk = lines(100000, 0)
    with open(log, "wb") as f:
        n = 0
        while n < size_mb << 20:
            f.write(chunk)
            n += len(chunk)
    open(sizefile, "w").write(str(n))
else:
    # Back to the generated size: earlier runs appended tails.
    os.truncate(log, int(open(sizefile).read()))
size = os.path.getsize(log)
if not os.path.isdir(repo):
    subprocess.run(["git", "init", "-q", repo], check=True)
# Warm the page cache for both tools alike.
subprocess.run(["cat", log], stdout=subprocess.DEVNULL, check=True)

def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def timed(argv):
    c, t = cpu(), time.perf_counter()
    # Output to a pipe: GNU grep stops at the first match when stdout is
    # /dev/null.
    r = subprocess.run(argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t = time.perf_counter() - t
    if r.returncode not in (0, 1):
        sys.exit("bench: %s failed: %s" % (argv[1], r.stderr.decode()[:200]))
    return t, cpu() - c

tb, tg, cb, cg = [], [], [], []
for _ in range(runs):
    t, c = timed([bosun, "logs", "stats", "--full", log]); tb.append(t); cb.append(c)
    t, c = timed(["grep", "-c", '"level":"error"', log]); tg.append(t); cg.append(c)
mb = size / 1e6
b, g = statistics.median(tb), statistics.median(tg)
print("input: %.0f MB of bosun's JSON lines" % mb)
print("first pass  bosun logs stats --full  median %6.2f s  %6.0f MB/s  (target >= 200 MB/s: %s)"
      % (b, mb / b, "OK" if mb / b >= 200 else "MISS"))
print("            grep -c                  median %6.2f s  %6.0f MB/s" % (g, mb / g))
print("            ratio bosun/grep         %.2f" % (b / g))
pb, pg = statistics.median(cb), statistics.median(cg)
print("            CPU (user+sys)           bosun %.2f s (%.0f MB/s), grep %.2f s, ratio %.2f"
      % (pb, mb / pb, pg, pb / pg if pg else 0))
ti, ci = [], []
start = 10 ** 8
for k in range(runs):
    with open(log, "ab") as f:
        tail = lines(7000, start + k * 7000)
        f.write(tail)
    t, c = timed([bosun, "logs", "stats", log]); ti.append(t); ci.append(c)
i = statistics.median(ti)
print("new tail    bosun logs stats (%.1f MB appended)  median %.3f s  (target <= 1 s: %s), CPU %.3f s"
      % (len(tail) / 1e6, i, "OK" if i <= 1 else "MISS", statistics.median(ci)))
print("load average %.1f" % os.getloadavg()[0])
PY
