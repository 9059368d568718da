#!/usr/bin/python3
"""idle_client: many keep-alive connections, one request each, then idle.

    idle_client.py [-n CONNECTIONS] [-H HOLD] [-t SECONDS] [-p PATH] [-q]
                   [-s SIGNAL_FILE] HOST:PORT

Opens CONNECTIONS keep-alive connections to HOST:PORT (at most 500
handshakes in flight at once), sends "GET PATH HTTP/1.1" on each and
reads the answer (by Content-Length), and keeps every connection open
and silent.  With -q it sends nothing: the connections are only opened (what
a connection costs before its first request).  When all have been answered, or after SECONDS (default 60),
it prints one line

    ready conns=N answered=A failed=F elapsed=S

(answered: with -q, connected; and touches SIGNAL_FILE if given), stays idle for HOLD seconds (default
5), then counts the connections the server closed meanwhile and prints

    done held=H closed_by_server=C

Standard library only; raises its own RLIMIT_NOFILE soft limit to the
hard limit.  Exit 0 when it ran, whatever it counted.
"""

import argparse
import errno
import resource
import select
import socket
import sys
import time


def answered(buf):
    """True once buf holds a whole answer (head and Content-Length body)."""
    head, sep, body = bytes(buf).partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return len(body) >= int(v.strip())
    return True


def main():
    ap = argparse.ArgumentParser(description="idle keep-alive connections")
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("-H", type=float, default=5.0)
    ap.add_argument("-t", type=float, default=60.0)
    ap.add_argument("-p", default="/")
    ap.add_argument("-s", default=None)
    ap.add_argument("-q", action="store_true")
    ap.add_argument("addr")
    a = ap.parse_args()
    host, _, port = a.addr.rpartition(":")
    target = (host or "127.0.0.1", int(port))
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (a.p, target[0])).encode()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.n + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            sys.exit("idle_client: RLIMIT_NOFILE hard limit %d < %d"
                     % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    ep = select.epoll(a.n + 16)
    conns = {}              # fd -> [socket, state, buffer]
    done = []
    failed = 0
    start = time.monotonic()
    deadline = start + a.t
    todo = a.n
    inflight = 0

    def fail(fd):
        nonlocal failed, inflight
        s = conns.pop(fd)[0]
        ep.unregister(fd)
        s.close()
        failed += 1
        inflight -= 1

    while (todo or inflight) and time.monotonic() < deadline:
        while todo and inflight < 500:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex(target)
            todo -= 1
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                failed += 1
                continue
            conns[s.fileno()] = [s, "connecting", bytearray()]
            ep.register(s.fileno(), select.EPOLLOUT)
            inflight += 1
        for fd, ev in ep.poll(1.0, 1024):
            c = conns.get(fd)
            if c is None:
                continue
            s = c[0]
            if c[1] == "connecting":
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    fail(fd)
                    continue
                if a.q:
                    ep.unregister(fd)
                    del conns[fd]
                    done.append(s)
                    inflight -= 1
                    continue
                try:
                    s.send(req)
                except OSError:
                    fail(fd)
                    continue
                c[1] = "reading"
                ep.modify(fd, select.EPOLLIN)
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                fail(fd)
                continue
            if not data:
                fail(fd)
                continue
            c[2] += data
            if answered(c[2]):
                ep.unregister(fd)
                del conns[fd]
                done.append(s)
                inflight -= 1
    for fd in list(conns):
        conns[fd][0].close()
    failed += len(conns)
    print("ready conns=%d answered=%d failed=%d elapsed=%.1f"
          % (a.n, len(done), failed, time.monotonic() - start), flush=True)
    if a.s:
        open(a.s, "w").close()
    time.sleep(a.H)
    closed = 0
    for s in done:
        try:
            data = s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            closed += 1 if not data else 0
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    print("done held=%d closed_by_server=%d" % (len(done) - closed, closed),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
