#!/usr/bin/env python3
"""bench/compare.py - one bosun against another on the same inputs.

Times each figure that bench/*.sh measures for bosun itself, running the
two binaries in turns (old, new, old, new, ...) so that a noisy machine
slows both alike, and prints the medians and the ratio new/old. A change
that should not change speed (a refactoring) shows ratios near 1.00.

    bench/compare.py OLD_BOSUN NEW_BOSUN [--runs N] [--only NAME]...

The vite history comes from shared/data/histories (beside the repository,
or BOSUN_SHARED); without it the release figures are skipped with a
message. Everything else is made here in a temporary directory.
"""
import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, cwd, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode,
                                                   r.stderr.decode(errors="replace")[-500:]))
    return r.returncode


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(cmd, cwd, env, before=None):
    if before:
        before()
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


class Case:
    """cwd is a folder, or a pair (the old binary's, the new one's) for
    fixtures that keep state: each binary keeps its own store and caches,
    as a store written by a newer bosun is refused by an older one."""
    def __init__(self, name, args, cwd, env=None, before=None, runs=None):
        self.name, self.args, self.cwd = name, args, cwd
        self.env, self.before, self.runs = env, before, runs

    def dir(self, which):
        return self.cwd[which] if isinstance(self.cwd, tuple) else self.cwd


def twin(path):
    """The fixture and a copy of it: (for the old binary, for the new)."""
    copy = path + ".new"
    shutil.copytree(path, copy, symlinks=True)
    return (path, copy)


def shared_dir():
    d = os.environ.get("BOSUN_SHARED") or os.path.join(os.path.dirname(TOP), "shared")
    return d if os.path.isdir(os.path.join(d, "data", "histories")) else None


def setup_vite(tmp):
    sh = shared_dir()
    if not sh:
        print("skipped: release figures: no shared/data/histories (set BOSUN_SHARED)")
        return None
    repo = os.path.join(tmp, "vite")
    git(tmp, "init", "-q", repo)
    with gzip.open(os.path.join(sh, "data", "histories", "vite.fi.gz")) as f:
        subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=f.read(),
                       check=True)
    head = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/heads"],
                          cwd=repo, capture_output=True, text=True).stdout.split()[0]
    git(repo, "symbolic-ref", "HEAD", head)
    return repo


def setup_agents(tmp, n):
    repo = os.path.join(tmp, "agents")
    git(tmp, "init", "-q", repo)
    os.makedirs(os.path.join(repo, "agents"))
    for i in range(n):
        with open(os.path.join(repo, "agents", "agent_%d.json" % i), "w") as f:
            f.write('{"agent_id":"agent_%d","agent_version":"1.0.%d","metadata":'
                    '{"description":"Agent %d: does task %d well"},"capabilities":'
                    '{"model":"claude-sonnet-4-20250514","tools":["Read","Grep"]},'
                    '"instructions":"You are agent %d.\\n\\n## Rules\\n- be careful\\n"}\n'
                    % (i, i, i, i, i))
    return repo


def setup_hooks(tmp, bosun):
    repo = os.path.join(tmp, "hooks")
    git(tmp, "init", "-q", repo)
    with open(os.path.join(repo, "bosun.yml"), "w") as f:
        f.write("hooks:\n  pre-commit:\n    checks:\n      - builtin: secrets\n"
                "  commit-msg:\n    checks:\n      - builtin: commit-lint\n")
    with open(os.path.join(repo, "a.c"), "w") as f:
        f.write("int main(void) { return 0; }\n" * 50)
    git(repo, "add", ".")
    with open(os.path.join(repo, "msg"), "w") as f:
        f.write("feat(api): a change that is fine\n\nA body line.\n")
    return repo


def cases(tmp, old, new, only):
    out = []
    env = dict(os.environ, NO_COLOR="1", BOSUN_HOME=os.path.join(tmp, "home"))
    want = lambda n: not only or any(o in n for o in only)
    out.append(Case("--version", ["--version"], tmp, env))
    repo = twin(setup_hooks(tmp, new))
    out.append(Case("commit lint FILE", ["commit", "lint", "msg"], repo, env))
    out.append(Case("hooks run pre-commit (secrets)", ["hooks", "run", "pre-commit"], repo, env))
    out.append(Case("deploy status (none)", ["deploy", "status"], repo, env))
    if want("vite") or want("changelog") or want("version next") or not only:
        vite = setup_vite(tmp)
        if vite:
            vite = twin(vite)
            out.append(Case("changelog --all (vite)", ["changelog", "--all"], vite, env, runs=15))
            out.append(Case("version next (vite, warm)", ["version", "next"], vite, env))
            out.append(Case("release --dry-run (vite)", ["release", "--dry-run"], vite, env))
    ag = twin(setup_agents(tmp, int(os.environ.get("BENCH_AGENTS", "1000"))))
    run([old, "agents", "deploy", "-t", "claude", "-t", "qwen"], ag[0], env)
    run([new, "agents", "deploy", "-t", "claude", "-t", "qwen"], ag[1], env)
    out.append(Case("agents deploy, no-op (1,000 x 2)",
                    ["agents", "deploy", "-t", "claude", "-t", "qwen"], ag, env))
    out.append(Case("agents verify (1,000 x 2)", ["agents", "verify", "-t", "claude", "-t", "qwen"], ag, env))
    scan_tree = "/usr/include"
    if os.path.isdir(scan_tree):
        out.append(Case("scan secrets /usr/include", ["scan", "secrets", scan_tree],
                        tmp, env, runs=9))
    return [c for c in out if want(c.name)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=31)
    ap.add_argument("--only", action="append", default=[])
    a = ap.parse_args()
    old, new = os.path.abspath(a.old), os.path.abspath(a.new)
    for b in (old, new):
        if not os.access(b, os.X_OK):
            sys.exit("no bosun at %s" % b)
    tmp = tempfile.mkdtemp(prefix="bosun-compare.")
    try:
        print("%-36s %10s %10s %8s" % ("figure (median of turns)", "old", "new", "new/old"))
        ratios = []
        for c in cases(tmp, old, new, a.only):
            n = c.runs or a.runs
            where = {old: c.dir(0), new: c.dir(1)}
            for b in (old, new):  # warm both: caches, page cache
                timed([b] + c.args, where[b], c.env)
            t = {old: [], new: []}
            for i in range(n):
                order = (old, new) if i % 2 == 0 else (new, old)
                for b in order:
                    t[b].append(timed([b] + c.args, where[b], c.env, c.before))
            mo, mn = statistics.median(t[old]), statistics.median(t[new])
            ratios.append(mn / mo)
            print("%-36s %8.2f ms %8.2f ms %8.2f" % (c.name, mo * 1e3, mn * 1e3, mn / mo))
        if ratios:
            print("geometric mean of the ratios: %.3f" %
                  statistics.geometric_mean(ratios))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
