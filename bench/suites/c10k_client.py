#!/usr/bin/python3
"""c10k_client: open many connections at once, one request on each.

    c10k_client.py [-n CONNECTIONS] [-t SECONDS] [-w HOLD] [-p PATH] HOST:PORT

Opens CONNECTIONS (default 10000) non-blocking TCP connections to HOST:PORT
at once, all driven by one epoll loop, and on each sends
"GET PATH HTTP/1.1" with "Connection: close" and reads the answer to the
end.  With -w HOLD, connections that are up before HOLD seconds stay
silent until then and all send together: for that long every connection
the server has accepted is open and idle, which is what ties up a server
that gives each connection a thread.  After SECONDS (default 60) whatever
is still open is counted as timed out and closed.  It prints one line:

    conns=10000 answered=10000 status503=0 otherstatus=0 refused=0
    reset=0 closed=0 errors=0 timeout=0 p50=... p99=... max=... elapsed=...
    peak_open=... peak_connected=...

answered: a 200 answer.  status503: a 503 answer (a clean refusal by a
server that sheds load).  refused: the connection was refused (RST to the
SYN).  reset: reset after connecting, before a whole answer.  closed: the
server closed without an answer.  errors: any other local error, named on
standard error.  p50/p99/max: seconds from the connect to the end of the
answer (from HOLD for the connections held), over the answered.
peak_open: most sockets open at one time; peak_connected: most connections
up at one time (handshake done, including those in the listen backlog).

It raises its own RLIMIT_NOFILE soft limit to the hard limit and exits 1
when that is not enough.  Exit 0 when it ran, whatever it counted.
Standard library only.
"""

import argparse
import collections
import errno
import resource
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser(description="many connections at once")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-t", type=float, default=60.0)
    ap.add_argument("-w", type=float, default=0.0)
    ap.add_argument("-p", default="/")
    ap.add_argument("addr")
    a = ap.parse_args()
    host, _, port = a.addr.rpartition(":")
    target = (host or "127.0.0.1", int(port))
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
               % (a.p, target[0])).encode()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.n + 64
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            sys.exit("c10k_client: RLIMIT_NOFILE hard limit %d < %d: "
                     "raise it (ulimit -Hn)" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    counts = collections.Counter()
    errs = collections.Counter()
    ep = select.epoll(a.n + 16)
    conns = {}          # fd -> [socket, state, start, bytes read]
    lat = []
    start = time.monotonic()
    deadline = start + a.t
    hold_until = start + a.w
    held = []
    open_now = peak = 0
    up_now = peak_up = 0        # connected (handshake done), not finished

    def send(fd, c):
        try:
            c[0].send(request)     # small: fits the socket buffer
        except OSError as e:
            finish(fd, "reset" if e.errno in
                   (errno.ECONNRESET, errno.EPIPE) else "errors")
            return
        c[1] = "reading"
        c[2] = max(c[2], hold_until)
        ep.modify(fd, select.EPOLLIN)

    def finish(fd, what):
        nonlocal open_now, up_now
        s, state, t0, buf = conns.pop(fd)
        if state != "connecting":
            up_now -= 1
        try:
            ep.unregister(fd)
        except OSError:
            pass
        s.close()
        open_now -= 1
        if what == "eof":
            line = bytes(buf[:64]).split(b"\r\n", 1)[0].split()
            code = line[1] if len(line) > 1 else b""
            if code == b"200":
                counts["answered"] += 1
                lat.append(time.monotonic() - t0)
            elif code == b"503":
                counts["status503"] += 1
            elif not buf:
                counts["closed"] += 1
            else:
                counts["otherstatus"] += 1
        else:
            counts[what] += 1

    for _ in range(a.n):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as e:
            counts["errors"] += 1
            errs["socket: " + errno.errorcode.get(e.errno, str(e))] += 1
            continue
        s.setblocking(False)
        rc = s.connect_ex(target)
        if rc not in (0, errno.EINPROGRESS):
            counts["refused" if rc == errno.ECONNREFUSED else "errors"] += 1
            if rc != errno.ECONNREFUSED:
                errs["connect: " + errno.errorcode.get(rc, str(rc))] += 1
            s.close()
            continue
        conns[s.fileno()] = [s, "connecting", time.monotonic(), bytearray()]
        ep.register(s.fileno(), select.EPOLLOUT)
        open_now += 1
        peak = max(peak, open_now)

    while conns:
        now = time.monotonic()
        left = deadline - now
        if left <= 0:
            break
        if held and now >= hold_until:
            for fd in held:
                if fd in conns and conns[fd][1] == "held":
                    send(fd, conns[fd])
            held = []
        wait = min(left, 1.0)
        if held:
            wait = max(0.0, min(wait, hold_until - now))
        for fd, ev in ep.poll(wait, 1024):
            c = conns.get(fd)
            if c is None:
                continue
            s = c[0]
            if c[1] == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    if err == errno.ECONNREFUSED:
                        finish(fd, "refused")
                    else:
                        errs["connect: " + errno.errorcode.get(err, str(err))] += 1
                        finish(fd, "errors")
                    continue
                up_now += 1
                peak_up = max(peak_up, up_now)
                if time.monotonic() < hold_until:
                    # Silent until HOLD; watch for the server closing it.
                    c[1] = "held"
                    held.append(fd)
                    ep.modify(fd, select.EPOLLIN)
                else:
                    send(fd, c)
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                if e.errno == errno.ECONNRESET:
                    # A reset after a whole answer is still an answer.
                    if c[3]:
                        finish(fd, "eof")
                    else:
                        finish(fd, "reset")
                else:
                    errs["recv: " + errno.errorcode.get(e.errno, str(e))] += 1
                    finish(fd, "errors")
                continue
            if data:
                c[3] += data
            else:
                finish(fd, "eof")

    counts["timeout"] += len(conns)
    for fd in list(conns):
        conns[fd][0].close()
    elapsed = time.monotonic() - start

    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else 0.0

    keys = ("answered", "status503", "otherstatus", "refused", "reset",
            "closed", "errors", "timeout")
    print("conns=%d %s p50=%.3f p99=%.3f max=%.3f elapsed=%.1f peak_open=%d "
          "peak_connected=%d"
          % (a.n, " ".join("%s=%d" % (k, counts[k]) for k in keys),
             pct(0.50), pct(0.99), lat[-1] if lat else 0.0, elapsed, peak,
             peak_up))
    for k, v in errs.most_common():
        print("c10k_client: %d x %s" % (v, k), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
