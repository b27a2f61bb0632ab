#!/usr/bin/env python3
"""A command with its stderr on a pseudo-terminal, for the progress tests.

  ptyrun.py [--cols N] [--signal SIG] [--stdout] RAW -- CMD [ARG...]
      Run CMD with stderr on a new pseudo-terminal N columns wide (80),
      stdin from /dev/null and stdout as given; write every byte the
      terminal received to RAW; exit with CMD's status (128+N for signal N).
      With --signal, send CMD signal SIG (a number) once a progress line
      was drawn; with --stdout, stdout goes to the terminal too.
  ptyrun.py --screen RAW
      Print what the terminal shows at the end: carriage returns, erase to
      the end of the line (ESC [ K) and colours applied, trailing blanks cut.
  ptyrun.py --widest RAW
      Print the width of the widest progress line drawn (CR, text, ESC [ K).
  ptyrun.py --draws RAW
      Print how many progress lines were drawn.
RUN also writes RAW.ms, how long CMD ran in milliseconds.
"""
import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import time

CSI = re.compile(rb"\x1b\[[0-9;?]*([A-Za-z])")


def run(cols, sig, both, raw, argv):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    t0 = time.monotonic()
    with open(os.devnull, "rb") as null:
        child = subprocess.Popen(argv, stdin=null, stderr=slave,
                                 stdout=slave if both else None)
    os.close(slave)
    data = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer is gone
            break
        if not chunk:
            break
        data += chunk
        if sig and DRAW.search(data):
            child.send_signal(sig)
            sig = 0
    rc = child.wait()
    ms = int((time.monotonic() - t0) * 1000)
    os.close(master)
    with open(raw + ".ms", "w") as f:
        f.write("%d\n" % ms)
    with open(raw, "wb") as f:
        f.write(data)
    return rc if rc >= 0 else 128 - rc


def screen(data):
    lines, line, col = [], [], 0
    i = 0
    while i < len(data):
        m = CSI.match(data, i)
        if m:
            if m.group(1) == b"K":
                del line[col:]
            i = m.end()
            continue
        c = data[i:i + 1]
        i += 1
        if c == b"\r":
            col = 0
        elif c == b"\n":
            lines.append(b"".join(line).rstrip())
            line, col = [], 0
        else:
            if col < len(line):
                line[col] = c
            else:
                line.append(c)
            col += 1
    if line:
        lines.append(b"".join(line).rstrip())
    return b"".join(x + b"\n" for x in lines)


# A progress line is drawn as CR, its text, then erase to the end of line.
DRAW = re.compile(rb"\r([^\r\n\x1b]+)\x1b\[K")


def widest(data):
    return max((len(m.group(1)) for m in DRAW.finditer(data)), default=0)


def main():
    args = sys.argv[1:]
    if args[0] in ("--screen", "--widest", "--draws"):
        with open(args[1], "rb") as f:
            data = f.read()
        if args[0] == "--screen":
            sys.stdout.buffer.write(screen(data))
        elif args[0] == "--widest":
            print(widest(data))
        else:
            print(len(DRAW.findall(data)))
        return 0
    cols, sig, both = 80, 0, False
    while args[0] in ("--cols", "--signal", "--stdout"):
        if args[0] == "--stdout":
            both = True
            args = args[1:]
            continue
        if args[0] == "--cols":
            cols = int(args[1])
        else:
            sig = int(args[1])
        args = args[2:]
    raw = args[0]
    assert args[1] == "--"
    return run(cols, sig, both, raw, args[2:])


if __name__ == "__main__":
    sys.exit(main())
