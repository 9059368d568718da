#!/usr/bin/env python3
"""Helpers of bench/soak/run (stdlib only).

  soak.py bad PORT SECONDS
      Malformed and rude clients on new connections, one after another
      for SECONDS: garbage request lines, a header block above
      --max-header-size (431), an announced body above --max-body-size
      (413), a bad chunked body, HTTP/1.1 without Host, an unknown
      version, control bytes in the target, HEAD, half a request then a
      close, a request then a close before the answer, a reset (RST)
      mid-request.  Prints one JSON line: counts per case and per
      outcome.

  soak.py slopes CSV WARMUP RSS_BOUND FD_BOUND
      CSV lines "t,worker,pid,requests,rss_kb,fds" (one per worker per
      sample).  For each worker, least-squares slopes of RSS and of the
      descriptor count against that worker's requests, over the samples
      after WARMUP requests, per 100k requests.  Prints a table; exits 1
      when a slope exceeds its bound (KB, descriptors per 100k) or a
      worker's pid changed (it died), 2 when there are too few samples.
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests"))
import httpc  # noqa: E402  the tests' one raw HTTP client

CASES = [
    ("garbage", b"GARBAGE\r\n\r\n", "answer"),
    ("no-host", b"GET / HTTP/1.1\r\n\r\n", "answer"),
    ("bad-version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", "answer"),
    ("ctl-target", b"GET /\x01\x1b[2J\x7f HTTP/1.1\r\nHost: x\r\n"
     b"Connection: close\r\n\r\n", "answer"),
    ("huge-header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000
     + b"\r\n\r\n", "answer"),
    ("huge-line", b"GET /" + b"u" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     "answer"),
    ("body-413", b"POST /echo HTTP/1.1\r\nHost: x\r\n"
     b"Content-Length: 2000000\r\n\r\n{", "answer"),
    ("bad-chunked", b"POST /echo HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "answer"),
    ("head", b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "answer"),
    ("half", b"GET /info HTTP/1.1\r\nHost: x\r\nX-Par", "close"),
    ("leave", b"GET /sleep/0.01 HTTP/1.1\r\nHost: x\r\n\r\n", "close"),
    ("reset", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
     b"\r\n{\"a\":", "reset"),
]


def one(port, data, how, counts):
    s = httpc.connect(port, timeout=5)
    try:
        try:
            s.sendall(data)
        except OSError:
            counts["send_error"] = counts.get("send_error", 0) + 1
        if how == "reset":
            httpc.reset(s)
            return
        if how == "close":
            return
        try:
            r = httpc.read_response(s, data.startswith(b"HEAD "))
        except (OSError, ValueError):
            r = None
        key = "status_" + (str(r.status) if r is not None else "none")
        counts[key] = counts.get(key, 0) + 1
    finally:
        s.close()


def cmd_bad(port, seconds):
    counts = {}
    per_case = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end and not stop:
        name, data, how = CASES[i % len(CASES)]
        i += 1
        try:
            one(port, data, how, counts)
            per_case[name] = per_case.get(name, 0) + 1
        except OSError as e:
            counts["error_" + type(e).__name__] = \
                counts.get("error_" + type(e).__name__, 0) + 1
    print(json.dumps({"requests": i, "outcomes": counts, "cases": per_case},
                     sort_keys=True))


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def cmd_slopes(path, warmup, rss_bound, fd_bound):
    rows = {}
    pids = {}
    for line in open(path):
        if not line.strip() or line.startswith("t,"):
            continue
        t, w, pid, req, rss, fds = line.strip().split(",")
        rows.setdefault(w, []).append((float(t), int(req), int(rss),
                                       int(fds)))
        pids.setdefault(w, set()).add(pid)
    bad = False
    print("worker  samples  requests  rss_kb(first..last)  "
          "rss_KB/100k  fds(min..max)  fds/100k")
    for w in sorted(rows):
        r = [x for x in rows[w] if x[1] >= warmup]
        if len(r) < 5:
            print("worker %s: only %d samples after warm-up" % (w, len(r)))
            return 2
        xs = [x[1] / 100000.0 for x in r]
        rs = slope(xs, [x[2] for x in r])
        fs = slope(xs, [x[3] for x in r])
        flag = ""
        if rs > rss_bound or fs > fd_bound:
            flag = "  EXCEEDS (bounds %g KB, %g fds)" % (rss_bound, fd_bound)
            bad = True
        if len(pids[w]) > 1:
            flag += "  DIED (pids %s)" % " ".join(sorted(pids[w]))
            bad = True
        print("%-7s %7d  %8d  %8d..%-8d  %11.1f  %5d..%-5d  %8.2f%s" % (
            w, len(r), r[-1][1], r[0][2], r[-1][2], rs,
            min(x[3] for x in r), max(x[3] for x in r), fs, flag))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "bad":
        cmd_bad(int(sys.argv[2]), float(sys.argv[3]))
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "slopes":
        return cmd_slopes(sys.argv[2], int(sys.argv[3]),
                          float(sys.argv[4]), float(sys.argv[5]))
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
