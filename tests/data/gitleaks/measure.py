#!/usr/bin/env python3
"""Run bosun's scanner over gitleaks' rule test cases and print the figures.

    tests/data/gitleaks/measure.py BOSUN [--providers] [--misses] [--min-tp PCT]
                                   [--max-fp PCT] [--max-fp-all PCT]
    tests/data/gitleaks/measure.py --write-cases DIR

Every case of cases.tsv (see extract.py) becomes one file in a temporary
directory (its own path when gitleaks gave one, else NNNNN/case.txt); one
`bosun scan secrets DIR --format json` scans them all.  A true-positive
case is found when bosun reports any finding in its file; a false-positive
case is flagged when it does.  Prints the overall figures, per provider
(the gitleaks rule id up to its first '-') with --providers, every
undocumented miss with --misses, and the documented exceptions
(exceptions.tsv: the cases where bosun differs on purpose, and why).  Two
sets of figures: counting the exceptions as misses ("all"), and without
them.  --min-tp applies to the first (exceptions count as misses),
--max-fp to the second and --max-fp-all to the first.  A false-positive case whose text
is also a true-positive case of another rule is left out (and counted).  Exit 1 when a figure is below
--min-tp or above --max-fp (percent), 2 on a usage or scan error.  --write-cases only
writes the case files into DIR (for a test that scans them itself).
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def load_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rule, kind, cpath, text = line.rstrip("\n").split("\t", 3)
            cases.append((rule, kind, unescape(cpath), unescape(text)))
    return cases


def load_exceptions(path):
    """exceptions.tsv: RULE <TAB> tp|fp <TAB> N <TAB> reason, where N is the
    case's number among that rule's cases of that kind (from 1)."""
    ex = {}
    if not os.path.exists(path):
        return ex
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rule, kind, n, reason = line.rstrip("\n").split("\t", 3)
            ex[(rule, kind, int(n))] = reason
    return ex


def write_cases(cases, d):
    """One file per case under d: NNNNN/ and its own path, or case.txt."""
    numbered, seen = [], {}
    for i, (rule, kind, cpath, text) in enumerate(cases):
        seen[(rule, kind)] = seen.get((rule, kind), 0) + 1
        name = cpath if cpath != "-" else "case.txt"
        rel = os.path.join("%05d" % i, name)
        os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
        with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        numbered.append((rule, kind, seen[(rule, kind)], rel, text))
    return numbered


def provider(rule):
    return rule.split("-", 1)[0]


def main():
    args = sys.argv[1:]
    if args and args[0] == "--write-cases":
        # Only the case files, for a test that scans them itself.
        if len(args) != 2:
            print(__doc__.split("\n\n")[1], file=sys.stderr)
            return 2
        os.makedirs(args[1], exist_ok=True)
        write_cases(load_cases(os.path.join(HERE, "cases.tsv")), args[1])
        return 0
    if not args or args[0].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    bosun = os.path.abspath(args.pop(0)) if os.sep in args[0] else args.pop(0)
    opts = {"--providers": False, "--misses": False}
    min_tp = max_fp = max_fp_all = None
    while args:
        a = args.pop(0)
        if a in opts:
            opts[a] = True
        elif a == "--min-tp" and args:
            min_tp = float(args.pop(0))
        elif a == "--max-fp" and args:
            max_fp = float(args.pop(0))
        elif a == "--max-fp-all" and args:
            max_fp_all = float(args.pop(0))
        else:
            print("measure.py: unknown option " + a, file=sys.stderr)
            return 2
    cases = load_cases(os.path.join(HERE, "cases.tsv"))
    exceptions = load_exceptions(os.path.join(HERE, "exceptions.tsv"))
    with tempfile.TemporaryDirectory(prefix="bosun-gitleaks-") as d:
        numbered = write_cases(cases, d)
        env = dict(os.environ, BOSUN_PROGRESS_MS="0")
        p = subprocess.run([bosun, "scan", "secrets", "--format", "json", d],
                           capture_output=True, text=True, env=env, cwd=d)
        if p.returncode not in (0, 1):
            print("bosun scan failed (exit %d): %s" % (p.returncode, p.stderr), file=sys.stderr)
            return 2
        hits = {}
        for fnd in json.loads(p.stdout)["findings"]:
            path = os.path.relpath(os.path.join(d, fnd["file"]), d) if not os.path.isabs(fnd["file"]) \
                else os.path.relpath(fnd["file"], d)
            hits.setdefault(path.split(os.sep)[0], []).append(fnd["rule"])
    # A false-positive case of one rule whose text is a true-positive case
    # of another (cloudflare's three key kinds list each other's keys) says
    # nothing about a scanner that reports findings, not rule ids.
    tp_texts = {text for rule, kind, n, rel, text in numbered if kind == "tp"}
    per = {}
    misses, documented = [], []
    contradicted = 0
    for rule, kind, n, rel, text in numbered:
        if kind == "fp" and text in tp_texts:
            contradicted += 1
            continue
        found = rel.split(os.sep)[0] in hits
        bad = (kind == "tp" and not found) or (kind == "fp" and found)
        st = per.setdefault(provider(rule), {"tp": 0, "tp_found": 0, "fp": 0, "fp_flagged": 0})
        st[kind] += 1
        st["tp_found" if kind == "tp" else "fp_flagged"] += found
        if bad:
            reason = exceptions.get((rule, kind, n))
            entry = (rule, kind, n, text, hits.get(rel.split(os.sep)[0], []), reason)
            (documented if reason else misses).append(entry)
    tp = sum(s["tp"] for s in per.values())
    tpf = sum(s["tp_found"] for s in per.values())
    fp = sum(s["fp"] for s in per.values())
    fpf = sum(s["fp_flagged"] for s in per.values())
    tp_pct = 100.0 * tpf / tp if tp else 100.0
    fp_all_pct = 100.0 * fpf / fp if fp else 0.0
    ex_fp = sum(1 for d in documented if d[1] == "fp")
    ex_tp = sum(1 for d in documented if d[1] == "tp")
    fp_pct = 100.0 * (fpf - ex_fp) / (fp - ex_fp) if fp > ex_fp else 0.0
    tp_ex_pct = 100.0 * tpf / (tp - ex_tp) if tp > ex_tp else 100.0
    if opts["--providers"]:
        print("%-22s %12s %8s %10s" % ("provider", "tp found", "tp %", "fp flagged"))
        for name in sorted(per):
            s = per[name]
            print("%-22s %5d/%-6d %7.1f%% %4d/%-5d" % (
                name, s["tp_found"], s["tp"], 100.0 * s["tp_found"] / s["tp"] if s["tp"] else 100.0,
                s["fp_flagged"], s["fp"]))
    if opts["--misses"]:
        for rule, kind, n, text, rules, _ in misses:
            what = "missed" if kind == "tp" else "flagged by " + ",".join(sorted(set(rules)))
            print("%s %s #%d %s: %r" % (rule, kind, n, what, text[:160]))
    for rule, kind, n, text, rules, reason in documented:
        print("exception: %s %s #%d: %s" % (rule, kind, n, reason))
    print("left out: %d false-positive cases that are another rule's true positives" % contradicted)
    print("all: true positives found: %d/%d (%.2f%%); false positives flagged: %d/%d (%.2f%%)" % (
        tpf, tp, tp_pct, fpf, fp, fp_all_pct))
    print("without the %d documented exceptions: true positives found: %d/%d (%.2f%%); "
          "false positives flagged: %d/%d (%.2f%%)" % (
              len(documented), tpf, tp - ex_tp, tp_ex_pct, fpf - ex_fp, fp - ex_fp, fp_pct))
    ok = True
    if min_tp is not None and tp_pct < min_tp:
        print("FAIL: %.1f%% of the true positives found, want at least %g%%" % (tp_pct, min_tp))
        ok = False
    if max_fp is not None and fp_pct > max_fp:
        print("FAIL: %.1f%% of the false positives flagged, want at most %g%%" % (fp_pct, max_fp))
        ok = False
    if max_fp_all is not None and fp_all_pct > max_fp_all:
        print("FAIL: %.1f%% of all false positives flagged, want at most %g%%" % (fp_all_pct, max_fp_all))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
