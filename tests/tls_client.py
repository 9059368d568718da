#!/usr/bin/env python3
"""TLS test clients for tests/tls.sh (every one bounded by --timeout).

Subcommands:
  many     N connections at once, each a full handshake and one request
           (Connection: close); prints the statuses as JSON.
  half     N connections that send part of a ClientHello (or nothing)
           and hold it for a while, then close.
  load     new connections one after another for a time, one request
           each; prints the successes, failures and the certificate
           subjects seen as JSON.
  subject  the CN of the certificate a new connection is served.
  slow     one slow request: its status, the certificate it was served
           and whether a file existed when the answer came.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import time


def context(a):
    ctx = ssl.create_default_context(cafile=a.cafile)
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    return ctx


def request(path, close=True):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (
        path, "Connection: close\r\n" if close else "")).encode()


def head_of(head):
    """A response head's (status line, Content-Length)."""
    lines = head.decode("latin-1").split("\r\n")
    n = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            n = int(v)
    return lines[0], n


def read_response(s):
    """One response with a Content-Length: (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed before the head")
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    line, n = head_of(head)
    status = int(line.split()[1])
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed in the body")
        body += d
    return status, body[:n]


def connect(a):
    raw = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
    return context(a).wrap_socket(raw, server_hostname="127.0.0.1")


def cn(s):
    for rdn in s.getpeercert().get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return "?"


def cmd_many(a):
    """N connections from one selector loop, each a non-blocking connect,
    handshake, request (Connection: close) and answer, so that every
    handshake goes on as soon as the server's flight arrives (Python
    threads would queue on the GIL); prints the statuses as JSON."""
    import errno
    import selectors
    sel = selectors.DefaultSelector()
    ctx = context(a)
    out = {}
    end = time.monotonic() + a.timeout
    pending = 0

    def done(st, key):
        nonlocal pending
        out[key] = out.get(key, 0) + 1
        try:
            sel.unregister(st["sock"])
        except (KeyError, ValueError):
            pass
        st["sock"].close()
        pending -= 1

    def step(st):
        s = st["sock"]
        try:
            if st["phase"] == "connect":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    return done(st, "connect:" + errno.errorcode.get(err, str(err)))
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1",
                                    do_handshake_on_connect=False)
                sel.unregister(st["sock"])
                st["sock"] = s
                sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
                st["phase"] = "handshake"
            if st["phase"] == "handshake":
                s.do_handshake()
                s.send(st["req"])
                st["phase"] = "read"
                sel.modify(s, selectors.EVENT_READ, st)
                st["buf"] = b""
            if st["phase"] == "read":
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    st["buf"] += d
                head = st["buf"].split(b"\r\n", 1)[0].split()
                return done(st, head[1].decode() if len(head) > 1 else "closed")
        except ssl.SSLWantReadError:
            sel.modify(s, selectors.EVENT_READ, st)
        except ssl.SSLWantWriteError:
            sel.modify(s, selectors.EVENT_WRITE, st)
        except (OSError, ssl.SSLError) as e:
            return done(st, type(e).__name__)

    started = 0
    next_at = time.monotonic()
    while (started < a.count or pending) and time.monotonic() < end:
        now = time.monotonic()
        while started < a.count and now >= next_at:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", a.port))
            st = {"sock": s, "phase": "connect",
                  "req": request(a.path.replace("{i}", str(started)))}
            sel.register(s, selectors.EVENT_WRITE, st)
            started += 1
            pending += 1
            next_at += a.stagger
        for key, _ in sel.select(0.005 if started < a.count else 0.2):
            step(key.data)
    if pending:
        out["unfinished"] = pending
    print(json.dumps({"status": out}))


def client_hello():
    """The bytes of a real ClientHello, as this Python would send it."""
    ctx = ssl.create_default_context()
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_hostname="127.0.0.1")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outg.read()


def cmd_half(a):
    hello = client_hello()
    data = hello[:a.bytes] if a.bytes >= 0 else hello[:len(hello) // 2]
    socks = []
    for _ in range(a.count):
        s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        if data:
            s.sendall(data)
        socks.append(s)
    print("holding %d connections with %d of %d bytes of a ClientHello"
          % (len(socks), len(data), len(hello)), flush=True)
    time.sleep(a.hold)
    for s in socks:
        s.close()


def cmd_load(a):
    res = {"ok": 0, "fail": 0, "subjects": {}, "errors": []}
    end = time.monotonic() + a.seconds
    n = 0
    while time.monotonic() < end and n < a.max:
        n += 1
        try:
            with connect(a) as s:
                subj = cn(s)
                s.sendall(request(a.path))
                st, _ = read_response(s)
            if st != 200:
                raise RuntimeError("status %d" % st)
            res["ok"] += 1
            res["subjects"][subj] = res["subjects"].get(subj, 0) + 1
        except Exception as e:
            res["fail"] += 1
            if len(res["errors"]) < 5:
                res["errors"].append("%s: %s" % (type(e).__name__, e))
    print(json.dumps(res))


def cmd_subject(a):
    with connect(a) as s:
        print(cn(s), s.version())


def cmd_slow(a):
    """A slow request begun now: its status, the certificate it was served
    and whether --after existed when the answer came."""
    with connect(a) as s:
        subj = cn(s)
        s.sendall(request(a.path))
        st, _ = read_response(s)
        print("%d %s %s" % (st, subj,
              "after" if os.path.exists(a.after) else "before"))


def cmd_pipeline(a):
    """COUNT POST /echo requests on one connection, sent before any answer
    is read: all in one write (one TLS record, --one) or a write each, the
    bodies JSON strings of lengths up to --big; prints "ok COUNT" when
    every answer is a 200 echoing its own body, in order."""
    s = connect(a)
    reqs, bodies = [], []
    for i in range(a.count):
        body = b'"%d:' % i + b"x" * ((i * 7919) % a.big) + b'"'  # JSON
        bodies.append(body + b"\n")  # as /echo answers it
        reqs.append(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    if a.one:
        s.sendall(b"".join(reqs))
    else:
        for r in reqs:
            s.sendall(r)
    buf = b""
    for i in range(a.count):
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                print("closed before answer %d" % i)
                sys.exit(1)
            buf += d
        head, _, buf = buf.partition(b"\r\n\r\n")
        line, n = head_of(head)
        while len(buf) < n:
            d = s.recv(65536)
            if not d:
                print("closed in answer %d" % i)
                sys.exit(1)
            buf += d
        body, buf = buf[:n], buf[n:]
        if line.split()[1] != "200" or body != bodies[i]:
            print("answer %d: %s, %d bytes, expected %d" % (
                i, line, len(body), len(bodies[i])))
            sys.exit(1)
    print("ok %d" % a.count)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--cafile")
    p.add_argument("--cert")
    p.add_argument("--key")
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("many")
    m.add_argument("--count", type=int, required=True)
    m.add_argument("--path", default="/")
    m.add_argument("--stagger", type=float, default=0)
    f = sub.add_parser("half")
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--bytes", type=int, default=-1)
    f.add_argument("--hold", type=float, default=3)
    lo = sub.add_parser("load")
    lo.add_argument("--seconds", type=float, required=True)
    lo.add_argument("--max", type=int, default=100000)
    lo.add_argument("--path", default="/")
    sub.add_parser("subject")
    k = sub.add_parser("slow")
    k.add_argument("--path", default="/")
    k.add_argument("--after", required=True)
    pl = sub.add_parser("pipeline")
    pl.add_argument("--count", type=int, required=True)
    pl.add_argument("--big", type=int, default=100)
    pl.add_argument("--one", action="store_true")
    a = p.parse_args()
    {"many": cmd_many, "half": cmd_half, "load": cmd_load,
     "subject": cmd_subject, "slow": cmd_slow,
     "pipeline": cmd_pipeline}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
