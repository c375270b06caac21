#!/usr/bin/env python3
"""capture_http.py DIR [STATUS]: an HTTP server on 127.0.0.1 (a free port, written to DIR/port)
that records every request as DIR/req-N.json (method, path, headers) and DIR/req-N.body, and
answers STATUS (default 200) with a short body. For rtprof push's tests; runs until killed."""
import http.server
import json
import os
import sys

out = sys.argv[1]
status = int(sys.argv[2]) if len(sys.argv) > 2 else 200
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        count[0] += 1
        base = os.path.join(out, "req-%d" % count[0])
        with open(base + ".body", "wb") as f:
            f.write(body)
        with open(base + ".json", "w") as f:
            json.dump({"method": self.command, "path": self.path, "version": self.request_version,
                       "headers": {k.lower(): v for k, v in self.headers.items()}}, f)
        reply = b"ok\n" if status < 300 else b"refused: test server says no\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
srv.serve_forever()
