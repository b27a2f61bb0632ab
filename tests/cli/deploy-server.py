#!/usr/bin/env python3
"""deploy-server.py - a scripted HTTP server for the deploy tests.

    python3 deploy-server.py SCRIPT.json PORTFILE REQUESTLOG

SCRIPT maps a path to a list of answers given in turn (the last one repeats):
    {"/app": [{"status": 200, "json": {"phase": "BUILDING"}},
              {"status": 429, "headers": {"Retry-After": "1"}, "body": ""}]}
An answer has "status" (200), "json" (a value to send as JSON) or "body"
(raw text), and "headers". When answers have "after" (seconds since the
first request to that path), the last one whose time has come is given
instead (a timeline, for the benchmark). The server listens on 127.0.0.1 on a free port,
writes the port to PORTFILE, and appends one JSON line per request (method,
path, headers, body) to REQUESTLOG. SCRIPT is read again at each request,
so a test may change the answers while the watcher runs.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPT, PORTFILE, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
counts = {}
first = {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        with open(LOG, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "headers": dict(self.headers), "body": body}) + "\n")
        with open(SCRIPT) as f:
            script = json.load(f)
        path = self.path.split("?")[0]
        answers = script.get(path) or [{"status": 404, "body": "no such path"}]
        i = counts.get(path, 0)
        counts[path] = i + 1
        a = answers[min(i, len(answers) - 1)]
        if "after" in answers[0]:
            now = time.time()
            t = now - first.setdefault(path, now)
            a = [x for x in answers if x["after"] <= t][-1]
        data = json.dumps(a["json"]) if "json" in a else a.get("body", "")
        data = data.encode()
        self.send_response(a.get("status", 200))
        for k, v in a.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = answer
    do_POST = answer


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[4]) if len(sys.argv) > 4 else 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
