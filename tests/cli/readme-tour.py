#!/usr/bin/env python3
"""readme-tour.py - check README.md's shown output against real output.

    readme-tour.py tour README BOSUN DIR
        Run each `$ bosun ...` command of the "A tour" block in DIR (the
        demo's repository, DEMO_SETUP_ONLY=1 demo/demo.sh) in turn; every
        line the README shows under it (the block is trimmed: "..." and
        left-out lines are allowed) must be a line of its real output
        (stdout and stderr), and the stdout lines shown must come in order.
    readme-tour.py deploy README
        Print the output lines shown under `$ bosun deploy status` in the
        Deployments section, one per line, for the shell to compare.

A commit id shown matches the real one exactly: the demo's commits have
fixed dates. Trailing blanks are ignored; paths are shown relative to DIR's
parent (bad-msg).
"""
import os
import re
import subprocess
import sys


def blocks(text, heading):
    """The fenced blocks of the section under heading (a "## " line inside
    a block is the block's, not the next section)."""
    lines = text.split("\n")
    i = lines.index(heading) + 1
    out, cur = [], None
    for line in lines[i:]:
        if line.startswith("```"):
            if cur is None:
                cur = []
            else:
                out.append("\n".join(cur) + "\n")
                cur = None
        elif cur is not None:
            cur.append(line)
        elif line.startswith("## "):
            break
    return out


def commands(block):
    """[(command, [shown lines])] of a terminal block."""
    out = []
    for line in block.split("\n"):
        if line.startswith("$ "):
            out.append((line[2:].split("  #")[0].strip(), []))
        elif out and line.strip() and line.strip() != "...":
            out[-1][1].append(line.rstrip())
    return out


def tour(readme, bosun, repo):
    text = open(readme).read()
    block = [b for b in blocks(text, "## A tour") if "$ bosun" in b][0]
    bad = 0
    for cmd, shown in commands(block):
        argv = cmd.split()
        assert argv[0] == "bosun", cmd
        cwd = repo
        if "bad-msg" in argv:
            cwd = os.path.dirname(repo)
        env = dict(os.environ, NO_COLOR="1")
        p = subprocess.run([bosun] + argv[1:], cwd=cwd, env=env,
                           capture_output=True, text=True)
        real_out = [l.rstrip() for l in p.stdout.split("\n")]
        real = set(real_out) | {l.rstrip() for l in p.stderr.split("\n")}
        pos = 0
        for line in shown:
            if line not in real:
                print("# README shows under `$ %s`:\n#   %s\n# which it does not print; it printed:" % (cmd, line))
                for l in (p.stdout + p.stderr).rstrip().split("\n"):
                    print("#   " + l)
                bad += 1
                break
            if line in real_out[pos:]:
                pos = real_out.index(line, pos) + 1
            elif line in real_out:
                print("# README shows `%s` out of order under `$ %s`" % (line, cmd))
                bad += 1
                break
    return 1 if bad else 0


def deploy(readme):
    text = open(readme).read()
    for b in blocks(text, "## Deployments"):
        for cmd, shown in commands(b):
            if cmd.startswith("bosun deploy status"):
                for line in shown:
                    print(line)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "tour":
        sys.exit(tour(sys.argv[2], sys.argv[3], sys.argv[4]))
    sys.exit(deploy(sys.argv[2]))
