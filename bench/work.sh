#!/bin/sh
# work.sh - `bosun work` against plain git, in one run, timed in turns,
# medians of N runs, on a 1,000-file and a 10,000-file repository:
#   status:     `work status` of 20 spawned worktrees, warm (its cache
#               filled), against `git status` in each of them; target
#               <= 150 ms (the git status of each worktree is its floor:
#               on 10,000 files that alone is over the target).
#   prediction: conflict prediction for 20 branches (20 against the tip +
#               190 pairs) with the cache emptied before each run, against
#               `git merge-tree --write-tree` once per pair; target <= 2 s.
#               And warm (nothing moved: no merge runs).
#   spawn:      `work spawn` of one worktree against `git worktree add -b`
#               (target <= 1.5x); ten at once (one `work spawn`; beside
#               it, ten `git worktree add` at once; target <= 5 s); the
#               disk a spawned worktree takes with an 80 MB node_modules
#               present (target <= the tracked files' size + 5 %).
#	bench/work.sh [PATH/TO/bosun] [RUNS]	(default: build/bosun, 11)
set -eu
BOSUN=$(cd "$(dirname "${1:-build/bosun}")" && pwd)/$(basename "${1:-build/bosun}")
RUNS=${2:-11}
[ -x "$BOSUN" ] || { echo "bench: no bosun at $BOSUN" >&2; exit 1; }
WORK=$(cd "$(dirname "$0")" && pwd)/.work/work
exec python3 - "$BOSUN" "$RUNS" "$WORK" <<'PY'
import os, shutil, sqlite3, statistics, subprocess, sys, time
bosun, runs, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
N = 20
env = dict(os.environ, NO_COLOR="1", GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b",
           GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b", BOSUN_HOME=os.path.join(work, "home"))

def git(*a, cwd=None, **kw):
    return subprocess.run(["git"] + list(a), cwd=cwd, env=env, check=True,
                          stdout=subprocess.PIPE, **kw).stdout

def bosun_run(where, *a, ok=(0, 1, 2)):
    r = subprocess.run([bosun] + list(a), cwd=where, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode not in ok:
        sys.exit("bench: bosun %s failed (%d): %s" % (" ".join(a), r.returncode,
                 r.stderr.decode(errors="replace").strip().splitlines()[-1:]))
    return r.stdout

# ------------------------------------------------------------ the repositories
def make(name, dirs, per_dir):
    """A repository of dirs x per_dir files, a plan of N workstreams each
    owning one folder, spawned; each branch changes 5 files of its own and,
    every third one, line 10 of the shared d99/f000.txt (real conflicts
    between some pairs, none between the rest); one file left dirty."""
    top = os.path.join(work, name)
    repo = os.path.join(top, "repo")
    os.makedirs(repo)
    git("init", "-q", "-b", "main", cwd=repo)
    for d in range(dirs):
        dd = os.path.join(repo, "d%02d" % d)
        os.makedirs(dd)
        for f in range(per_dir):
            with open(os.path.join(dd, "f%03d.txt" % f), "w") as fh:
                fh.write("".join("line %d of file %d/%d\n" % (i, d, f) for i in range(20)))
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "feat: the files", cwd=repo)
    plan = "task: bench\nbase: main\nworkstreams:\n" + "".join(
        '  - id: w%02d\n    owns: ["d%02d/**"]\n    checklist: [one, two]\n' % (i, i)
        for i in range(N))
    open(os.path.join(top, "plan.yml"), "w").write(plan)
    bosun_run(repo, "work", "plan", os.path.join(top, "plan.yml"), ok=(0,))
    bosun_run(repo, "work", "spawn", ok=(0,))
    wts = [os.path.join(top, "repo.work", "bench", "w%02d" % i) for i in range(N)]
    for i, wt in enumerate(wts):
        for f in range(5):
            with open(os.path.join(wt, "d%02d" % i, "f%03d.txt" % f), "a") as fh:
                fh.write("w%02d was here\n" % i)
        if i % 3 == 0:
            p = os.path.join(wt, "d99", "f000.txt")
            lines = open(p).read().splitlines(True)
            lines[10] = "w%02d's line 10\n" % i
            open(p, "w").writelines(lines)
        git("commit", "-q", "-am", "feat: w%02d" % i, cwd=wt)
        with open(os.path.join(wt, "d%02d" % i, "f006.txt"), "a") as fh:
            fh.write("dirty\n")
    files = git("ls-files", cwd=repo).count(b"\n")
    return repo, wts, files

shutil.rmtree(work, ignore_errors=True)
os.makedirs(os.path.join(work, "home"))
small, small_wts, small_files = make("small", 100, 10)
repo, wts, files = make("big", 100, 100)
heads = [git("rev-parse", "HEAD", cwd=wt).decode().strip() for wt in wts]
tip = git("rev-parse", "main", cwd=repo).decode().strip()
db = os.path.join(repo, ".git", "bosun", "state.db")

def drop_merges():
    c = sqlite3.connect(db)
    c.execute("DELETE FROM cache_entries WHERE key LIKE 'work/merge/%'")
    c.commit()
    c.close()

# ------------------------------------------------------------ the timings
def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t

def plain_status(trees):
    for wt in trees:
        git("status", "--porcelain", cwd=wt)

def plain_merges():
    pairs = [(h, tip) for h in heads] + [(heads[i], heads[j]) for i in range(N)
                                         for j in range(i + 1, N)]
    for a, b in pairs:
        subprocess.run(["git", "merge-tree", "--write-tree", "--name-only", "-z", a, b],
                       cwd=repo, env=env, stdout=subprocess.DEVNULL)

def cold_prediction():
    drop_merges()
    return timed(lambda: bosun_run(repo, "work", "status", "--conflicts"))

import json
for where in (small, repo):
    bosun_run(where, "work", "status")  # fill the cache
    doc = json.loads(bosun_run(where, "work", "status", "--json"))
    assert doc["prediction"]["merges_run"] == 0, "a warm status ran merges"
conflicts = len(doc["conflicts"])
ss, sp, ws, ps, wp, cp, pm = [], [], [], [], [], [], []
for _ in range(runs):
    ss.append(timed(lambda: bosun_run(small, "work", "status")))
    sp.append(timed(lambda: plain_status(small_wts)))
    ws.append(timed(lambda: bosun_run(repo, "work", "status")))
    ps.append(timed(lambda: plain_status(wts)))
    cp.append(cold_prediction())
    pm.append(timed(plain_merges))
    wp.append(timed(lambda: bosun_run(repo, "work", "status", "--conflicts")))
med = lambda v: statistics.median(v) * 1000
print("repositories: %d and %d files, %d worktrees each; %d merges (%d against the tip + "
      "%d pairs), %d predicted conflicts" % (small_files, files, N, doc["prediction"]["pairs"],
                                              N, doc["prediction"]["pairs"] - N, conflicts))
print("runs: %d each, in turns; load average %.1f; %d CPUs" % (runs, os.getloadavg()[0],
                                                              os.cpu_count()))
print("work status, warm, %5d files median %7.1f ms  (target <= 150 ms: %s)" %
      (small_files, med(ss), "OK" if med(ss) <= 150 else "MISS"))
print("git status in each worktree   median %7.1f ms  ratio bosun/git %.2f" %
      (med(sp), med(ss) / med(sp)))
print("work status, warm, %5d files median %7.1f ms  (target <= 150 ms: %s)" %
      (files, med(ws), "OK" if med(ws) <= 150 else "MISS"))
print("git status in each worktree   median %7.1f ms  ratio bosun/git %.2f" %
      (med(ps), med(ws) / med(ps)))
print("prediction, cache empty       median %7.1f ms  (target <= 2000 ms: %s)" %
      (med(cp), "OK" if med(cp) <= 2000 else "MISS"))
print("git merge-tree once per pair  median %7.1f ms  ratio bosun/git %.2f" %
      (med(pm), med(cp) / med(pm)))
print("prediction, warm (no merges)  median %7.1f ms  ratio to cold %.2f" %
      (med(wp), med(wp) / med(cp)))
# ------------------------------------------------------------ spawn (the `work` section's)
# `work spawn` of one worktree against `git worktree add -b` of the same
# branch and folder, and of ten at once against ten `git worktree add`
# started at once, on a 10,000-file repository with an 80 MB ignored
# node_modules; every run starts from nothing (worktrees, registrations and
# branches removed). Then the disk a spawned worktree takes (du of its
# folder and of git's admin folder for it; node_modules comes as a
# symlink) against the size of the tracked files.
sp_top = os.path.join(work, "spawn")
sp_repo = os.path.join(sp_top, "repo")
os.makedirs(sp_repo)
git("init", "-q", "-b", "main", cwd=sp_repo)
for d in range(100):
    dd = os.path.join(sp_repo, "d%02d" % d)
    os.makedirs(dd)
    for f in range(100):
        with open(os.path.join(dd, "f%03d.txt" % f), "w") as fh:
            fh.write("".join("line %d of file %d/%d\n" % (i, d, f) for i in range(20)))
blob = "x" * 8191 + "\n"
for p in range(200):
    pd = os.path.join(sp_repo, "node_modules", "pkg%03d" % p, "lib")
    os.makedirs(pd)
    for f in range(50):
        with open(os.path.join(pd, "m%02d.js" % f), "w") as fh:
            fh.write(blob)
open(os.path.join(sp_repo, ".gitignore"), "w").write("node_modules/\n")
git("add", "-A", cwd=sp_repo)
git("commit", "-q", "-m", "feat: the files", cwd=sp_repo)
for task, n in (("one", 1), ("ten", 10)):
    open(os.path.join(sp_top, task + ".yml"), "w").write(
        "task: %s\nbase: main\nworkstreams:\n" % task +
        "".join('  - id: w%d\n    owns: ["d%02d/**"]\n' % (i, i) for i in range(1, n + 1)))
    bosun_run(sp_repo, "work", "plan", os.path.join(sp_top, task + ".yml"), ok=(0,))
b_root, g_root = os.path.join(sp_top, "bosun.work"), os.path.join(sp_top, "git.work")
sp_env = dict(env, BOSUN_WORK_ROOT=b_root)

# git names a worktree's admin folder after the folder's last name: git's
# own are "gw1"..., or ten "git worktree add" at once would race for the
# names bosun's took (git itself then fails: "failed to read commondir").
def sp_dir(root, task, i):
    return os.path.join(root, task, ("gw%d" if root == g_root else "w%d") % i)

def sp_reset(root, task, n, prefix):
    for i in range(1, n + 1):
        shutil.rmtree(sp_dir(root, task, i), ignore_errors=True)
    git("worktree", "prune", cwd=sp_repo)
    for b in git("for-each-ref", "--format=%(refname:short)", "refs/heads/%s/%s/" % (prefix, task),
                 cwd=sp_repo).decode().split():
        git("branch", "-q", "-D", b, cwd=sp_repo)

def sp_bosun(task, n):
    sp_reset(b_root, task, n, "work")
    t = time.perf_counter()
    r = subprocess.run([bosun, "work", "spawn", task], cwd=sp_repo, env=sp_env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t
    if r.returncode:
        sys.exit("bench: bosun work spawn %s failed: %s" % (task, r.stderr.decode()[-300:]))
    return t

# Ten plain `git worktree add` at once meet git's own race now and then
# (one reads the admin folder another is making: "failed to read
# .git/worktrees/gwN/commondir"), which bosun retries: a script would have
# to as well, so a failed add is cleaned up and run again, inside the time.
git_retries = [0]

def sp_git_add(task, i):
    return subprocess.Popen(["git", "worktree", "add", "-q", "-b", "git/%s/w%d" % (task, i),
                             sp_dir(g_root, task, i), "main"], cwd=sp_repo, env=env,
                            stderr=subprocess.PIPE)

def sp_git(task, n):
    sp_reset(g_root, task, n, "git")
    t = time.perf_counter()
    ps = {i: sp_git_add(task, i) for i in range(1, n + 1)}
    for tries in range(5):
        failed = [i for i, p in ps.items() if p.wait()]
        if not failed:
            return time.perf_counter() - t
        for i in failed:
            err = ps[i].stderr.read().decode()
            if "failed to read" not in err:
                sys.exit("bench: git worktree add failed: " + err[-300:])
            git_retries[0] += 1
            shutil.rmtree(sp_dir(g_root, task, i), ignore_errors=True)
            subprocess.run(["git", "worktree", "prune"], cwd=sp_repo)
            subprocess.run(["git", "branch", "-q", "-D", "git/%s/w%d" % (task, i)],
                           cwd=sp_repo, stderr=subprocess.DEVNULL)
        ps = {i: sp_git_add(task, i) for i in failed}
    sys.exit("bench: git worktree add kept failing")

def du_kb(path):
    return int(subprocess.run(["du", "-sk", path], stdout=subprocess.PIPE,
                              check=True).stdout.split()[0])

def per_worktree_kb(root, task, n):
    total = 0
    for i in range(1, n + 1):
        wt = sp_dir(root, task, i)
        admin = open(os.path.join(wt, ".git")).read().split("gitdir:")[1].strip()
        total += du_kb(wt) + du_kb(admin)
    return total / n

sp_bosun("one", 1)  # the store and extensions.worktreeConfig, once
bo, go, bt, gt = [], [], [], []
for _ in range(runs):
    bo.append(sp_bosun("one", 1))
    go.append(sp_git("one", 1))
for _ in range(max(3, runs // 2)):
    bt.append(sp_bosun("ten", 10))
    gt.append(sp_git("ten", 10))
tracked = int(subprocess.run(["du", "-sk", "--exclude=.git", "--exclude=node_modules", sp_repo],
                             stdout=subprocess.PIPE, check=True).stdout.split()[0])
b_kb, g_kb = per_worktree_kb(b_root, "ten", 10), per_worktree_kb(g_root, "ten", 10)
print("spawn: %d files, node_modules %.0f MB ignored; %d runs (ten at once: %d), in turns" %
      (10000, du_kb(os.path.join(sp_repo, "node_modules")) / 1024, runs, len(bt)))
print("work spawn of one worktree    median %7.1f ms  (target <= 1.5x git: %s)" %
      (med(bo), "OK" if med(bo) <= 1.5 * med(go) else "MISS"))
print("git worktree add -b           median %7.1f ms  ratio bosun/git %.2f" %
      (med(go), med(bo) / med(go)))
print("work spawn of ten at once     median %7.1f ms  (target <= 5000 ms: %s)" %
      (med(bt), "OK" if med(bt) <= 5000 else "MISS"))
print("ten git worktree add at once  median %7.1f ms  ratio bosun/git %.2f  (%d adds run again)" %
      (med(gt), med(bt) / med(gt), git_retries[0]))
print("disk per spawned worktree     %7.1f MB  (tracked %.1f MB; target <= +5 %%: %s)" %
      (b_kb / 1024, tracked / 1024, "OK" if b_kb <= 1.05 * tracked else "MISS"))
print("disk per git worktree         %7.1f MB  ratio to tracked: bosun %.3f, git %.3f" %
      (g_kb / 1024, b_kb / tracked, g_kb / tracked))
PY
