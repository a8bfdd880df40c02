#!/usr/bin/env python3
"""Serves a folder over HTTP on 127.0.0.1 for download-throughput.sh: Range requests, ETag, and an
optional rate limit per connection (bytes per second). Usage: download-server.py DIR PORT [RATE]."""
import http.server
import os
import sys
import time

ROOT, PORT = sys.argv[1], int(sys.argv[2])
RATE = int(sys.argv[3]) if len(sys.argv) > 3 else 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = os.path.join(ROOT, os.path.basename(self.path.split("?")[0]))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(size - start))
        self.send_header("ETag", f'"{int(os.path.getmtime(path))}-{size}"')
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with open(path, "rb") as f:
            f.seek(start)
            if not RATE:
                self.wfile.write(f.read())
                return
            chunk = max(16384, RATE // 20)
            began = time.monotonic()
            sent = 0
            while True:
                data = f.read(chunk)
                if not data:
                    break
                due = began + (sent + len(data)) / RATE - time.monotonic()
                if due > 0:
                    time.sleep(due)
                self.wfile.write(data)
                sent += len(data)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
