#!/usr/bin/env python3
"""Raw HTTP/1.1 test clients for poolserve's integration scripts, on the
one client module, httpc.py.

Subcommands (all bounded by --timeout):
  hold   N connections, each sends one request (or nothing, or part of
         one) and waits for the answer; optionally gives up after a while.
  fair   N keep-alive connections, one request outstanding on each,
         counting responses per connection for a fixed time.
  seq    one keep-alive connection, several requests one after another.
  raw    send raw bytes on one connection and print the status line (or
         every byte that came back).
  overlap  the most lab requests in progress at once, from a log file.
"""
import argparse
import errno
import json
import selectors
import socket
import struct
import sys
import time

import httpc
from httpc import Response


def request(path):
    return httpc.request(path, host="127.0.0.1")


def connect_nb(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex(("127.0.0.1", port))
    if err not in (0, errno.EINPROGRESS):
        raise OSError(err, "connect")
    return s


def cmd_hold(a):
    """N clients; print a JSON summary of what they saw."""
    sel = selectors.DefaultSelector()
    start = time.monotonic()
    conns = []

    def open_one(i):
        s = connect_nb(a.port)
        path = a.path.replace("{i}", str(i + 1))
        if a.send == "full":
            out = request(path)
        elif a.send == "partial":
            out = request(path)[:10]
        else:
            out = b""
        c = {"s": s, "out": out, "resp": Response(), "state": "connecting",
             "i": i + 1}
        conns.append(c)
        sel.register(s, selectors.EVENT_WRITE, c)

    summary = {"status": {}, "gave_up": 0, "closed": 0, "timeout": 0,
               "order": []}
    # Clients start one every --stagger seconds, each sending its request
    # as soon as it is connected.
    opened = 0
    open_n = 0
    while open_n > 0 or opened < a.count:
        now = time.monotonic()
        while opened < a.count and now - start >= opened * a.stagger:
            open_one(opened)
            opened += 1
            open_n += 1
        if now - start > a.timeout:
            break
        if a.close_after is not None and now - start >= a.close_after:
            for c in conns:
                if c["state"] in ("connecting", "waiting"):
                    if a.rst:
                        c["s"].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
                    sel.unregister(c["s"])
                    c["s"].close()
                    c["state"] = "gave_up"
                    summary["gave_up"] += 1
                    open_n -= 1
            continue
        wait = 0.2
        if opened < a.count:
            wait = max(0.0, min(wait, start + opened * a.stagger - now))
        if a.close_after is not None:
            wait = max(0.0, min(wait, a.close_after - (now - start)))
        for key, ev in sel.select(wait):
            c = key.data
            s = c["s"]
            if c["state"] == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    c["state"] = "error"
                    sel.unregister(s)
                    s.close()
                    open_n -= 1
                    summary["closed"] += 1
                    continue
                if c["out"]:
                    s.send(c["out"])
                c["state"] = "waiting"
                sel.modify(s, selectors.EVENT_READ, c)
                continue
            try:
                data = s.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                c["state"] = "closed"
                summary["closed"] += 1
            elif c["resp"].feed(data) is not None:
                c["state"] = "done"
                st = str(c["resp"].status)
                summary["status"][st] = summary["status"].get(st, 0) + 1
                summary["order"].append(c["i"])
                if "retry-after" in c["resp"].headers:
                    summary["retry_after"] = c["resp"].headers["retry-after"]
            else:
                continue
            sel.unregister(s)
            s.close()
            open_n -= 1
    summary["timeout"] = open_n
    print(json.dumps(summary))


def cmd_fair(a):
    """Keep-alive clients; print 'min max total' responses per connection,
    after --seconds, or once --total responses came (then no time counts:
    --timeout bounds the run, and falling short of the total is an
    error)."""
    sel = selectors.DefaultSelector()
    counts = []
    req = request(a.path)
    for i in range(a.conns):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        s.setblocking(False)
        c = {"s": s, "resp": Response(), "n": 0, "i": i}
        counts.append(c)
        s.send(req)
        sel.register(s, selectors.EVENT_READ, c)
    end = time.monotonic() + (a.timeout if a.total else a.seconds)

    def more():
        return not a.total or sum(c["n"] for c in counts) < a.total
    while time.monotonic() < end and more():
        for key, _ in sel.select(0.2):
            c = key.data
            data = c["s"].recv(65536)
            if not data:
                sel.unregister(c["s"])
                continue
            rest = c["resp"].feed(data)
            while rest is not None:
                if c["resp"].status == 200:
                    c["n"] += 1
                c["resp"] = Response()
                if time.monotonic() < end and more():
                    c["s"].send(req)
                rest = c["resp"].feed(rest) if rest else None
    ns = [c["n"] for c in counts]
    print(min(ns), max(ns), sum(ns))
    if a.total and sum(ns) < a.total:
        return 1


def cmd_seq(a):
    """One connection, N requests: print each status, then 'same-connection'."""
    s = httpc.connect(a.port, a.timeout)
    statuses = []
    for i in range(a.count):
        s.sendall(request(a.path.replace("{i}", str(i + 1))))
        r = Response()
        rest = None
        while rest is None:
            data = s.recv(65536)
            if not data:
                print(" ".join(statuses), "closed-by-server")
                return
            rest = r.feed(data)
        statuses.append(str(r.status))
        if r.headers.get("connection", "").lower() == "close":
            print(" ".join(statuses), "close-announced")
            return
    print(" ".join(statuses), "same-connection")


def cmd_raw(a):
    """Send the bytes (Python escapes allowed), print the status line
    (--whole: every byte that came back, until the close)."""
    data = a.data.encode("latin-1").decode("unicode_escape").encode("latin-1")
    s = httpc.connect(a.port, a.timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if a.first and b"\r\n\r\n" in out:
                break
    except socket.timeout:
        pass
    if a.whole:
        sys.stdout.buffer.write(out)
        return
    line = out.split(b"\r\n", 1)[0].decode("latin-1")
    print(line if line else "no-response")


def cmd_overlap(a):
    """Most lab requests in progress at once, from the error log's
    'processing request id[N]' and 'done request id[N]' lines."""
    events = []
    with open(a.log, encoding="latin-1") as f:
        for line in f:
            if " processing request id[" in line:
                events.append((line.split()[0], 1))
            elif " done request id[" in line:
                events.append((line.split()[0], -1))
    events.sort(key=lambda e: (e[0], e[1]))
    cur = most = 0
    for _, d in events:
        cur += d
        most = max(most, cur)
    print(most)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=30)
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--count", type=int, required=True)
    h.add_argument("--path", default="/")
    h.add_argument("--send", choices=("full", "partial", "none"),
                   default="full")
    h.add_argument("--close-after", type=float)
    h.add_argument("--rst", action="store_true")
    h.add_argument("--stagger", type=float, default=0)
    f = sub.add_parser("fair")
    f.add_argument("--conns", type=int, required=True)
    f.add_argument("--seconds", type=float, default=3)
    f.add_argument("--total", type=int)
    f.add_argument("--path", default="/")
    q = sub.add_parser("seq")
    q.add_argument("--count", type=int, default=3)
    q.add_argument("--path", default="/")
    r = sub.add_parser("raw")
    r.add_argument("--data", required=True)
    r.add_argument("--first", action="store_true")
    r.add_argument("--whole", action="store_true")
    o = sub.add_parser("overlap")
    o.add_argument("log")
    a = p.parse_args()
    return {"hold": cmd_hold, "fair": cmd_fair, "seq": cmd_seq,
            "raw": cmd_raw, "overlap": cmd_overlap}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
