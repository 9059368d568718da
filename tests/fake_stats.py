#!/usr/bin/env python3
"""A fake poolserve stats endpoint for tests/stat_format.sh.

Serves a canned stats document on 127.0.0.1 (GET / or /stats).  Request
number N (from 0) gets document N: the master's and worker 1's "requests"
grow by 50 per request, so a client sampling every S seconds sees about
50/S requests per second.  GET /broken returns truncated JSON.

  fake_stats.py [--port N] [--mode MODE] [--broken] [--lifetime S]
  fake_stats.py --print N      write document N to stdout and exit

--port 0 (the default) lets the kernel choose; the port is printed on the
first line of stdout.  The server exits after --lifetime seconds (30).
Modes, for hostile-server cases: ok, broken (truncated JSON everywhere),
deep (arrays nested 100000 deep), huge (a 5 MiB body), error (HTTP 500),
silent (accepts, never answers), garbage (not HTTP), chunked (the normal
document with Transfer-Encoding: chunked), badvalue (a worker's pid is a
string), c1 (the URIs hold raw C1 control bytes, raw and UTF-8 CSI
and OSC sequences, \\u001b, \\u009b and invalid UTF-8: what a hostile
server could send to drive the operator's terminal).
"""

import argparse
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def document(n):
    """Document n as bytes: exactly what the server sends as the body."""
    w1 = (
        '{"id":1,"pid":1235,"status":"busy","requests":%d,"skipped":0,'
        '"rejected":0,"respawn_count":0,"rss":2998272,"avg_rt":1500,'
        '"running":2,"waiting":1,"connections":7,"cores":['
        '{"id":0,"name":"w1c0","in_request":true,"method":"GET",'
        '"uri":"/sleep/5","running_ms":1234,"requests":%d,"last_status":200},'
        '{"id":1,"name":"w1c1","in_request":true,"method":"GET",'
        '"uri":"/cpu/20","running_ms":15,"requests":%d,"last_status":200}]}'
        % (600 + 50 * n, 300 + 25 * n, 300 + 25 * n))
    # escapes, and a terminal escape sequence a hostile app could put in
    # a URI: the client must print it harmlessly
    w2 = (
        '{"id":2,"pid":1236,"status":"busy","requests":400,"skipped":0,'
        '"rejected":2,"respawn_count":1,"rss":3145728,"avg_rt":2500,'
        '"running":1,"waiting":0,"connections":3,"cores":['
        '{"id":0,"name":"w2c0","in_request":true,"method":"POST",'
        '"uri":"/echo?q=\\"x\\"&b=\\\\&e=\\u00e9\\u001b[2J",'
        '"running_ms":87,"requests":250,"last_status":413},'
        '{"id":1,"name":"w2c1","in_request":false,"method":"","uri":"",'
        '"running_ms":0,"requests":150,"last_status":0}]}')
    doc = (
        '{"version":"0.1.0","start_time":1763900000,"uptime":42,'
        '"master_pid":1234,"processes":2,"threads":2,"queue":0,'
        '"requests":%d,"in_progress":3,"waiting":1,'
        '"sockets":[{"name":"127.0.0.1:8080","listen_queue":5,'
        '"listen_queue_max":128,"full_count":0}],'
        '"workers":[%s,%s]}' % (1000 + 50 * n, w1, w2))
    return doc.encode()


def hostile(doc):
    """The document with terminal-driving bytes in two URIs and a name."""
    doc = doc.replace(
        b'"uri":"/sleep/5"',
        b'"uri":"/a\x9b2J\x9d0;pwned\x9c\xc2\x9b31m\xc2\x9d0;x\xc2\x9c'
        b'\x85\xff\xfe\xe2\x80\xae/z"')
    doc = doc.replace(
        b'"uri":"/cpu/20"',
        b'"uri":"/b\\u001b]0;t\\u0007\\u009b2J\\u0085\\u202e\\ud83d\\ude00"')
    return doc.replace(b'"name":"w1c0"', b'"name":"w\x9b1\xc2\x9bc0"')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        srv = self.server
        with srv.lock:
            n = srv.count
            srv.count += 1
        mode = srv.mode
        path = self.path.split("?")[0]
        if path == "/broken":
            mode = "broken"
        elif path not in ("/", "/stats"):
            self.send_body(404, b"not found\n", "text/plain")
            return
        doc = document(n)
        if mode == "ok":
            self.send_body(200, doc)
        elif mode == "broken":
            self.send_body(200, doc[:len(doc) * 2 // 3])
        elif mode == "deep":
            self.send_body(200, b"[" * 100000 + b"]" * 100000)
        elif mode == "huge":
            self.send_body(200, b'{"pad":"' + b"x" * (5 << 20) + b'"}')
        elif mode == "error":
            self.send_body(500, b"internal error\n", "text/plain")
        elif mode == "badvalue":
            self.send_body(200, doc.replace(b'"pid":1236', b'"pid":"1236"'))
        elif mode == "c1":
            self.send_body(200, hostile(doc))
        elif mode == "chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(0, len(doc), 100):
                part = doc[i:i + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            self.close_connection = True

    def handle(self):
        mode = self.server.mode
        if mode == "silent":
            time.sleep(10)
            return
        if mode == "garbage":
            self.wfile.write(b"\x00\xff\x1b[2Jnot http at all\r\n\r\n")
            return
        super().handle()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # clients that give up early (the test's size and time limits)
        if not isinstance(sys.exc_info()[1], (BrokenPipeError,
                                               ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="fake poolserve stats server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "broken", "deep", "huge", "error",
                             "silent", "garbage", "chunked", "badvalue", "c1"])
    ap.add_argument("--broken", action="store_true",
                    help="same as --mode broken")
    ap.add_argument("--lifetime", type=float, default=30.0)
    ap.add_argument("--print", type=int, metavar="N", dest="print_n")
    args = ap.parse_args()

    if args.print_n is not None:
        sys.stdout.buffer.write(document(args.print_n))
        return 0
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.mode = "broken" if args.broken else args.mode
    srv.count = 0
    srv.lock = threading.Lock()
    print(srv.server_address[1], flush=True)
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
