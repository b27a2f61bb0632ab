#!/usr/bin/env python3
"""Extract gitleaks' rule test cases into tests/data/gitleaks/cases.tsv.

    tests/data/gitleaks/extract.py GITLEAKS_GIT_DIR [COMMIT] >cases.tsv

gitleaks keeps, next to each of its rules (cmd/generate/config/rules/*.go),
the strings the rule must find (tps) and must not find (fps).  Some are
literals, some are built at run time: a secret drawn from a regex
(secrets.NewSecret), the same secret in two dozen assignment shapes
(utils.GenerateSampleSecrets), fmt.Sprintf, concatenation.  Go is not
needed: this script reads the Go text with a small evaluator for exactly
those expressions and draws generated secrets from the regex itself
(sre_parse, fixed seed), so the output is the same on every run.  A case
the evaluator cannot build is left out and counted on stderr.

Output: a header comment naming the gitleaks commit, then one case a line:
RULE-ID <TAB> tp|fp <TAB> PATH <TAB> TEXT, where PATH is the file name the
case is given with (gitleaks' ValidateWithPaths; "-" for none) and TEXT has
backslash, tab, CR and newline escaped as \\\\, \\t, \\r, \\n.
"""
import base64
import random
import re
import subprocess
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as C
    import sre_parse

RULES_DIR = "cmd/generate/config/rules"
RNG = random.Random(20261206)
ALPHABET = [chr(c) for c in range(0x20, 0x7f)]


# ---- strings from a regex ----------------------------------------------------

def gen_re(pattern):
    """One string the Go regex matches (case as written; repetition limit 1
    past the minimum for open ranges, as reggen's Generate(1))."""
    pattern = pattern.replace("(?i)", "").replace("(?-i:", "(?:").replace("(?i:", "(?:")
    pattern = re.sub(r"\\z", "", pattern)
    return "".join(_gen(sre_parse.parse(pattern), {}))


def _class_chars(items):
    chars, neg = set(), False
    for op, av in items:
        if op == C.NEGATE:
            neg = True
        elif op == C.LITERAL:
            chars.add(chr(av))
        elif op == C.RANGE:
            # A range written between punctuation (Go's `[\\-_]`: backslash
            # to underscore) is a slip for "these characters": keep its
            # letters, digits and token punctuation only.
            chars.update(chr(c) for c in range(av[0], av[1] + 1)
                         if chr(c).isalnum() or chr(c) in "-_=+/.~")
        elif op == C.CATEGORY:
            chars.update(_category(av))
    if neg:
        chars = set(ALPHABET) - chars
    return sorted(chars) or ["x"]


def _category(cat):
    digits = [str(d) for d in range(10)]
    word = [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)] + digits + ["_"]
    if cat == C.CATEGORY_DIGIT:
        return digits
    if cat == C.CATEGORY_WORD:
        return word
    if cat == C.CATEGORY_SPACE:
        return [" "]
    if cat == C.CATEGORY_NOT_DIGIT:
        return [c for c in word if c not in digits]
    if cat == C.CATEGORY_NOT_SPACE:
        return word
    return ["x"]


def _gen(parsed, groups):
    out = []
    for op, av in parsed:
        if op == C.LITERAL:
            out.append(chr(av))
        elif op == C.NOT_LITERAL:
            out.append("x" if chr(av) != "x" else "y")
        elif op == C.ANY:
            out.append(RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789"))
        elif op == C.IN:
            out.append(RNG.choice(_class_chars(av)))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            if hi == C.MAXREPEAT:
                hi = lo + 1
            for _ in range(RNG.randint(lo, hi)):
                out.extend(_gen(sub, groups))
        elif op == C.SUBPATTERN:
            gid = av[0]
            s = "".join(_gen(av[-1], groups))
            if gid:
                groups[gid] = s
            out.append(s)
        elif op == C.BRANCH:
            out.extend(_gen(RNG.choice(av[1]), groups))
        elif op == C.GROUPREF:
            out.append(groups.get(av, ""))
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            pass
        elif op == C.CATEGORY:
            out.append(RNG.choice(_category(av)))
        else:
            raise ValueError("regex op %s" % op)
    return out


# ---- gitleaks' helpers ---------------------------------------------------------

SAMPLE_SHAPES = [
    '{i}Token="{s}"', '{i}Token = "{s}"', '{i}Token={s}', '{i}Token = {s}',
    '{\n    "{i}_token": "{s}"\n}', '{"config.ini": "{I}_TOKEN={s}\\nBACKUP_ENABLED=true"}',
    '<{i}Token>\n    {s}\n</{i}Token>', '{i}_token: {s}', "{i}_token: '{s}'",
    '{i}_token: "{s}"', 'string {i}Token = "{s}";', 'var {i}Token string = "{s}"',
    '{i}Token := "{s}"', '{i}Token := `{s}`', 'String {i}Token = "{s}";',
    'var {i}Token = "{s}"', '${i}Token .= "{s}"', "{i}Token = '{s}'", '{i}Token = "{s}"',
    'System.setProperty("{I}_TOKEN", "{s}")', '  "{i}Token" => "{s}"',
    '{i}_TOKEN = "{s}"', '{i}_TOKEN := "{s}"', '{i}_TOKEN ::= "{s}"',
    '{i}_TOKEN :::= "{s}"', '{i}_TOKEN ?= "{s}"',
]


def sample_secrets(ident, secret):
    return [s.replace("{i}", ident).replace("{I}", ident.upper()).replace("{s}", secret)
            for s in SAMPLE_SHAPES]


def sprintf(fmt, *args):
    args = list(args)
    out, i = [], 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            v = fmt[i + 1]
            i += 2
            if v == "%":
                out.append("%")
            elif v == "q":
                out.append('"' + str(args.pop(0)).replace("\\", "\\\\").replace('"', '\\"') + '"')
            else:
                out.append(str(args.pop(0)))
            continue
        out.append(c)
        i += 1
    return "".join(out)


def b64enc(kind):
    def f(data):
        if isinstance(data, str):
            data = data.encode()
        if kind == "std":
            return base64.b64encode(data).decode()
        if kind == "rawstd":
            return base64.b64encode(data).decode().rstrip("=")
        if kind == "url":
            return base64.urlsafe_b64encode(data).decode()
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    return f


FUNCS = {
    "utils.Numeric": lambda n: "[0-9]{%s}" % n,
    "utils.Hex": lambda n: "[a-f0-9]{%s}" % n,
    "utils.AlphaNumeric": lambda n: "[a-z0-9]{%s}" % n,
    "utils.AlphaNumericExtendedShort": lambda n: "[a-z0-9_-]{%s}" % n,
    "utils.AlphaNumericExtended": lambda n: "[a-z0-9=_\\-]{%s}" % n,
    "utils.AlphaNumericExtendedLong": lambda n: "[a-z0-9\\/=_\\+\\-]{%s}" % n,
    "utils.Hex8_4_4_4_12": lambda: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "secrets.NewSecret": gen_re,
    "utils.GenerateSampleSecrets": sample_secrets,
    "utils.GenerateSampleSecret": lambda i, s: '%s_api_token = "%s"' % (i, s),
    "fmt.Sprintf": sprintf,
    "strings.Repeat": lambda s, n: s * n,
    "strings.ToUpper": lambda s: s.upper(),
    "strings.ToLower": lambda s: s.lower(),
    "strings.Join": lambda v, sep: sep.join(v),
    "b64.StdEncoding.EncodeToString": b64enc("std"),
    "b64.RawStdEncoding.EncodeToString": b64enc("rawstd"),
    "b64.URLEncoding.EncodeToString": b64enc("url"),
    "b64.RawURLEncoding.EncodeToString": b64enc("rawurl"),
    "base64.StdEncoding.EncodeToString": b64enc("std"),
    "base64.RawStdEncoding.EncodeToString": b64enc("rawstd"),
    "base64.URLEncoding.EncodeToString": b64enc("url"),
    "base64.RawURLEncoding.EncodeToString": b64enc("rawurl"),
    "string": lambda b: b.decode() if isinstance(b, bytes) else b,
    "len": len,
}


# ---- a small Go expression evaluator ----------------------------------------

TOKEN = re.compile(r"""
    (?P<ws>[ \t\r]+) | (?P<nl>\n) | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`) | (?P<str>"(?:[^"\\\n]|\\.)*") | (?P<rune>'(?:[^'\\\n]|\\.)*')
  | (?P<num>\d+) | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.\.|:=|\+=|==|!=|&&|\|\||[-+*/%(){}\[\],.:;=<>!&|^])
""", re.S | re.X)


def tokenize(src):
    toks = []
    for m in TOKEN.finditer(src):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            if kind == "comment" and "\n" in m.group():
                toks.append(("nl", "\n"))
            continue
        toks.append((kind, m.group()))
    return toks


def unquote(tok):
    kind, text = tok
    if kind == "raw":
        return text[1:-1].replace("\r", "")
    body = text[1:-1]
    return re.sub(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{3}|.)', _esc, body)


def _esc(m):
    e = m.group(1)
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'",
              "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
    if e in simple:
        return simple[e]
    if e[0] in "xu":
        return chr(int(e[1:], 16))
    if e[0] in "01234567":
        return chr(int(e, 8))
    return "\\" + e


class Unsupported(Exception):
    pass


class Spread(list):
    pass


class Parser:
    def __init__(self, toks, env):
        self.t = [t for t in toks]
        self.i = 0
        self.env = env

    def peek(self, k=0):
        j = self.i + k
        return self.t[j] if j < len(self.t) else ("eof", "")

    def skip_nl(self):
        while self.peek()[0] == "nl":
            self.i += 1

    def take(self, text=None):
        tok = self.peek()
        if text is not None and tok[1] != text:
            raise Unsupported("want %r got %r" % (text, tok[1]))
        self.i += 1
        return tok

    def expr(self):
        v = self.unary()
        while self.peek()[1] == "+":
            self.take()
            self.skip_nl()
            w = self.unary()
            v = v + w
        return v

    def unary(self):
        tok = self.peek()
        if tok[0] in ("raw", "str"):
            self.take()
            return self.postfix(unquote(tok))
        if tok[0] == "num":
            self.take()
            return int(tok[1])
        if tok[1] == "[":
            return self.composite()
        if tok[1] == "(":
            self.take()
            self.skip_nl()
            v = self.expr()
            self.skip_nl()
            self.take(")")
            return v
        if tok[0] == "ident":
            if tok[1] == "map":
                return self.composite()
            if tok[1] == "nil":
                self.take()
                return []
            name = self.take()[1]
            while self.peek()[1] == "." and self.peek(1)[0] == "ident":
                self.take()
                name += "." + self.take()[1]
            if self.peek()[1] == "(":
                return self.postfix(self.call(name))
            if name in self.env:
                return self.postfix(self.env[name])
            raise Unsupported("unknown name " + name)
        raise Unsupported("token %r" % (tok,))

    def postfix(self, v):
        while self.peek()[1] == "[":
            self.take()
            lo = self.expr() if self.peek()[1] != ":" else None
            if self.peek()[1] == ":":
                self.take()
                hi = self.expr() if self.peek()[1] != "]" else None
                v = v[lo:hi]
            else:
                v = v[lo]
            self.take("]")
        return v

    def args(self):
        self.take("(")
        out = []
        self.skip_nl()
        while self.peek()[1] != ")":
            v = self.expr()
            if self.peek()[1] == "...":
                self.take()
                v = Spread(v)
            out.append(v)
            self.skip_nl()
            if self.peek()[1] == ",":
                self.take()
            self.skip_nl()
        self.take(")")
        return out

    def call(self, name):
        if name == "append":
            a = self.args()
            res = list(a[0])
            for x in a[1:]:
                if isinstance(x, Spread):
                    res.extend(x)
                else:
                    res.append(x)
            return res
        if name == "regexp.MustCompile":
            return self.args()[0]
        if name in FUNCS:
            a = self.args()
            return FUNCS[name](*a)
        if name == "byte" or (name.startswith("[") and "byte" in name):
            return self.args()[0].encode()
        raise Unsupported("call " + name)

    def composite(self):
        """[]string{...}, []byte(x), map[string]string{...}, map[string][]string{...}"""
        typ = ""
        while self.peek()[1] not in ("{", "("):
            typ += self.take()[1]
        if self.peek()[1] == "(":
            if typ == "[]byte":
                a = self.args()
                return a[0].encode() if isinstance(a[0], str) else a[0]
            raise Unsupported("conversion " + typ)
        self.take("{")
        is_map = typ.startswith("map")
        items = []
        self.skip_nl()
        while self.peek()[1] != "}":
            if self.peek()[1] == "{":
                # an element of a nested composite with elided type
                self.i -= 0
                sub = Parser(self.t, self.env)
                sub.i = self.i
                v = sub.elided()
                self.i = sub.i
            else:
                v = self.expr()
            if is_map:
                self.take(":")
                self.skip_nl()
                if self.peek()[1] == "{":
                    sub = Parser(self.t, self.env)
                    sub.i = self.i
                    w = sub.elided()
                    self.i = sub.i
                else:
                    w = self.expr()
                items.append((v, w))
            else:
                items.append(v)
            self.skip_nl()
            if self.peek()[1] == ",":
                self.take()
            self.skip_nl()
        self.take("}")
        return dict(items) if is_map else items

    def elided(self):
        self.take("{")
        items = []
        self.skip_nl()
        while self.peek()[1] != "}":
            items.append(self.expr())
            self.skip_nl()
            if self.peek()[1] == ",":
                self.take()
            self.skip_nl()
        self.take("}")
        return items


def statements(toks):
    """Split a function body's tokens into statements (Go's automatic
    semicolons, roughly: a newline at bracket depth 0)."""
    out, cur, depth = [], [], 0
    for tok in toks:
        if tok[1] in "([{" and tok[0] == "op":
            depth += 1
        elif tok[1] in ")]}" and tok[0] == "op":
            depth -= 1
        if (tok[0] == "nl" or tok[1] == ";") and depth == 0:
            if cur:
                out.append(cur)
            cur = []
            continue
        cur.append(tok)
    if cur:
        out.append(cur)
    return out


def run_function(body, env, stats):
    """Run the statements of a rule function; return [(rule, tps, fps)]."""
    results = []
    rule_id = None
    env["r"] = None
    toks = tokenize(body)
    for st in statements(toks):
        text = " ".join(t[1] for t in st)
        m = re.search(r'RuleID\s*:\s*"([^"]+)"', text)
        if m:
            rule_id = m.group(1)
        try:
            if len(st) > 2 and st[0][0] == "ident" and st[1][1] in (":=", "=", "+="):
                p = Parser(st[2:], env)
                v = p.expr()
                if st[1][1] == "+=":
                    v = env[st[0][1]] + v
                env[st[0][1]] = v
            elif st[0][1] == "var":
                run_var(st, env)
            elif (st[0][1] == "r" and st[1][1] == "." and len(st) > 4 and
                  st[2][1] == "RuleID"):
                rule_id = unquote(st[4])
            elif st[0][1] == "return" and any(t[1] in ("Validate", "ValidateWithPaths") for t in st):
                j = [k for k, t in enumerate(st) if t[1] in ("Validate", "ValidateWithPaths")][0]
                with_paths = st[j][1] == "ValidateWithPaths"
                p = Parser(st[j + 1:], env)
                a = p.args()
                results.append((rule_id, a[1], a[2], with_paths))
        except (Unsupported, KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            names = {t[1] for t in st}
            if names & {"tps", "fps", "Validate", "ValidateWithPaths"}:
                stats.append("%s: %s: %s" % (rule_id, text[:80], e))
    return results


def functions(src):
    """Yield (name, body) of each top-level func; the body ends at its
    matching brace (raw strings may hold a "}" at the start of a line)."""
    for m in re.finditer(r"^func (\w+)\([^)]*\)[^{\n]*\{", src, re.M):
        depth, pos = 1, m.end()
        for t in TOKEN.finditer(src, pos):
            if t.lastgroup == "op" and t.group() == "{":
                depth += 1
            elif t.lastgroup == "op" and t.group() == "}":
                depth -= 1
                if not depth:
                    yield m.group(1), src[m.end():t.start()]
                    break


def run_var(st, env):
    """A `var NAME = EXPR` or `var ( NAME = EXPR ... )` statement."""
    if len(st) > 3 and st[1][0] == "ident" and st[2][1] == "=":
        env[st[1][1]] = Parser(st[3:], env).expr()
        return
    if len(st) > 2 and st[1][1] == "(":
        for inner in statements(st[2:-1]):
            if len(inner) > 2 and inner[0][0] == "ident" and inner[1][1] == "=":
                env[inner[0][1]] = Parser(inner[2:], env).expr()
        return
    raise Unsupported("var form")


def helper_values(src, env):
    """Package-level vars that rule functions use (lists of cases)."""
    for st in statements(tokenize(src)):
        if st[0][1] == "var":
            try:
                run_var(st, env)
            except Exception:
                pass


def escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: extract.py GITLEAKS_GIT_DIR [COMMIT]")
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    commit = subprocess.check_output(["git", "-C", git_dir, "rev-parse", commit], text=True).strip()
    names = subprocess.check_output(["git", "-C", git_dir, "ls-tree", "--name-only", commit,
                                     RULES_DIR + "/"], text=True).split()
    sources = {}
    for n in sorted(names):
        if n.endswith(".go") and not n.endswith("_test.go"):
            sources[n] = subprocess.check_output(["git", "-C", git_dir, "show",
                                                  "%s:%s" % (commit, n)], text=True)
    env = {}
    for src in sources.values():
        helper_values(src, env)
    stopwords = [w.lower() for w in env.get("DefaultStopWords", [])]

    def plausible(regex):
        # gitleaks' newPlausibleSecret: a digit 1-9 and no stop word
        while True:
            s = gen_re(regex)
            if re.search("[1-9]", s) and not any(w in s.lower() for w in stopwords):
                return s
    FUNCS["newPlausibleSecret"] = plausible
    rows, problems = [], []
    for n, src in sources.items():
        for fname, body in functions(src):
            if "Validate" not in body:
                continue
            for rule, tps, fps, with_paths in run_function(body, dict(env), problems):
                for kind, cases in (("tp", tps), ("fp", fps)):
                    if isinstance(cases, dict):
                        cases = [(k, v) for k, v in cases.items()]
                    else:
                        cases = [("-", c) for c in (cases or [])]
                    for path, text in cases:
                        if not isinstance(text, str):
                            problems.append("%s: a %s case is not a string" % (rule, kind))
                            continue
                        rows.append((rule, kind, path or "-", text))
    print("# gitleaks rule test cases, extracted by tests/data/gitleaks/extract.py")
    print("# from https://github.com/gitleaks/gitleaks commit %s" % commit)
    print("# rule\ttp|fp\tpath\ttext (\\\\ \\t \\r \\n escaped)")
    for rule, kind, path, text in rows:
        print("%s\t%s\t%s\t%s" % (rule, kind, escape(path), escape(text)))
    for p in problems:
        print("left out: " + p, file=sys.stderr)
    print("%d cases (%d tp, %d fp), %d statements left out" % (
        len(rows), sum(r[1] == "tp" for r in rows), sum(r[1] == "fp" for r in rows),
        len(problems)), file=sys.stderr)


if __name__ == "__main__":
    main()
