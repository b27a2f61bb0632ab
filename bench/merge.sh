#!/bin/sh
# merge.sh - `bosun merge-driver` on two 5,000-entry changelogs (each side
# adds 100 entries, checks boxes, deletes a few) against `git merge-file`
# on the same inputs: medians of 21 runs each, taking turns, and the
# ratio. Target: the driver well under 50 ms.
#	bench/merge.sh [PATH/TO/bosun]	(default: build/bosun)
set -eu
BOSUN=$(cd "$(dirname "${1:-build/bosun}")" && pwd)/$(basename "${1:-build/bosun}")
[ -x "$BOSUN" ] || { echo "bench: no bosun at $BOSUN" >&2; exit 1; }
exec python3 - "$BOSUN" <<'PY'
import os, resource, random, shutil, statistics, subprocess, sys, tempfile, time
bosun = sys.argv[1]
rnd = random.Random(42)
# On tmpfs when there is one: the fsync of the atomic write is the
# disk's cost, not the merge's (git merge-file -p writes no file).
d = tempfile.mkdtemp(prefix="bosun-bench-merge.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
try:
    def changelog(entries):
        out = ["# Changelog", ""]
        for v in range(50, 0, -1):
            out += ["## [1.%d.0] - 2026-01-%02d" % (v, v % 28 + 1), "", "### Added"]
            out += [e for s, e in entries if s == v]
            out.append("")
        return "\n".join(out) + "\n"
    base = [(i % 50 + 1, "- [ ] entry %d: change number %d (abc%04d)" % (i, i, i)) for i in range(5000)]
    def side(tag):
        s = [(v, e.replace("[ ]", "[x]") if rnd.random() < 0.05 else e)
             for v, e in base if rnd.random() > 0.01]
        for i in range(100):
            s.insert(rnd.randrange(len(s)), (rnd.randrange(1, 51), "- [ ] %s entry %d" % (tag, i)))
        return s
    files = {"base": changelog(base), "ours": changelog(side("ours")), "theirs": changelog(side("theirs"))}
    for k, v in files.items():
        open(os.path.join(d, k), "w").write(v)
    a = os.path.join(d, "a")
    def cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime
    cb, cg = [], []
    def run_bosun():
        shutil.copy(os.path.join(d, "ours"), a)
        c = cpu()
        t = time.perf_counter()
        r = subprocess.run([bosun, "merge-driver", "--kind", "entries",
                            os.path.join(d, "base"), a, os.path.join(d, "theirs"),
                            "CHANGELOG.md"], cwd=d)
        t = time.perf_counter() - t
        cb.append(cpu() - c)
        assert r.returncode == 0, "the driver conflicted"
        return t
    def run_git():
        c = cpu()
        t = time.perf_counter()
        subprocess.run(["git", "merge-file", "-p", os.path.join(d, "ours"),
                        os.path.join(d, "base"), os.path.join(d, "theirs")],
                       cwd=d, stdout=subprocess.DEVNULL)
        t = time.perf_counter() - t
        cg.append(cpu() - c)
        return t
    tb, tg = [], []
    for _ in range(21):
        tb.append(run_bosun()); tg.append(run_git())
    mb, mg = statistics.median(tb) * 1000, statistics.median(tg) * 1000
    entries = sum(1 for l in open(a) if l.startswith("- "))
    print("inputs: 5,000-entry changelogs, %d entries merged" % entries)
    print("bosun merge-driver   median %6.1f ms   (target well under 50 ms: %s)" % (mb, "OK" if mb < 50 else "MISS"))
    print("git merge-file -p    median %6.1f ms   (conflicts: a line merge)" % mg)
    print("ratio bosun/git      %.2f" % (mb / mg))
    # On a shared, loaded machine the wall clock waits for the CPU: the
    # CPU time each process used is the steadier figure.
    pb, pg = statistics.median(cb) * 1000, statistics.median(cg) * 1000
    print("CPU time (user+sys)  bosun %.1f ms, git %.1f ms, ratio %.2f" % (pb, pg, pb / pg if pg else 0))
    print("load average         %.1f" % os.getloadavg()[0])
finally:
    shutil.rmtree(d)
PY
