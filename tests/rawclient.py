#!/usr/bin/env python3
"""Send a corpus of raw, malformed or hostile HTTP requests, one connection
each, and check what comes back.  Standard library only.

  rawclient.py --port P [--log FILE] [--only NAME] [-v] CORPUS

CORPUS is a text file, one entry a line ('#' starts a comment line):

  NAME | EXPECT | LOG | REQUEST

REQUEST is the bytes to send, written with Python string escapes (\\r\\n,
\\x00, \\t).  Before the escapes are read, these are expanded:
  {TEXT*N}     TEXT repeated N times (TEXT holds no '}')
  {pause:S}    send what comes before, wait S seconds, go on
  {shut}       send what comes before, then shut down the sending side
  {close}      send what comes before, then close the connection at once
Every line break in a request must be written \\r\\n or \\n: a request
ends with its line.

EXPECT is one or more words:
  NNN          the first response has status NNN
  NNNxK        K responses, all with status NNN (pipelining)
  A,B,...      responses with these statuses in this order (each NNN or
               NNNxK)
  close        (alone) no response at all, the server closes the connection
  none         nothing is expected (the client leaves first)
and after a status:
  close        the server closes the connection after the response
  open         the connection is still open 0.5 s after the response
  only         no response beyond the ones expected (smuggling)
  twice        the first response's status line and header block come
               twice before its body (a libmicrohttpd 0.9.75 bug)
  body=TEXT    the response body contains TEXT
  header=TEXT  the response header block contains TEXT (case-insensitive)
and in any case:
  wait=S       wait at most S seconds for the response or the close (3)
  after=S      the close must not come before S seconds

LOG is '-' or a regular expression that a line written to --log FILE while
the entry ran must match (waited for up to 2 s).

Prints one line per entry ("ok NAME: ..." or "FAIL NAME: ...") and ends
with "N passed, N failed"; exits 1 when one failed.
"""
import argparse
import codecs
import os
import re
import select
import socket
import sys
import time

import httpc

DEFAULT_WAIT = 3.0


def expand(text):
    """Split a request into steps: ('send', bytes), ('pause', s), ('shut',),
    ('close',)."""
    def repeat(m):
        body, _, n = m.group(1).rpartition("*")
        return body * int(n)
    while True:
        new = re.sub(r"\{([^{}]*\*\d+)\}", repeat, text)
        if new == text:
            break
        text = new
    steps = []
    for part in re.split(r"(\{pause:[0-9.]+\}|\{shut\}|\{close\})", text):
        if part.startswith("{pause:"):
            steps.append(("pause", float(part[7:-1])))
        elif part == "{shut}":
            steps.append(("shut",))
        elif part == "{close}":
            steps.append(("close",))
        elif part:
            data = codecs.decode(part.encode("latin-1"), "unicode_escape")
            steps.append(("send", data.encode("latin-1")))
    return steps


def parse_responses(buf, head_request, eof=False):
    """Complete responses in buf: a list of (status, head, body), and
    whether the last bytes are an incomplete response."""
    resps, partial = httpc.parse_all(buf, head_request, eof)
    return [(r.status, r.head, r.body) for r in resps], partial


def statuses(first):
    """The statuses EXPECT's first word asks for, in order."""
    out = []
    for piece in first.split(","):
        status, _, n = piece.partition("x")
        out += [int(status)] * (int(n) if n else 1)
    return out


def send_reading(s, data, buf, start):
    """Send data, reading what comes back meanwhile: a server that answers
    a request too large before reading all of it and then closes makes
    the kernel reset the connection, which would discard an answer not yet
    read.  Returns (go on sending, bytes read, seconds to the close)."""
    s.setblocking(False)
    try:
        while True:
            r, w, _ = select.select([s], [s] if data else [], [], 5)
            if not r and not w:
                return True, buf, None          # stuck for 5 s: go on
            if r:
                try:
                    got = s.recv(65536)
                except ConnectionResetError:
                    got = b""
                if not got:
                    return False, buf, time.monotonic() - start
                buf += got
            if w and data:
                try:
                    data = data[s.send(data):]
                except (BrokenPipeError, ConnectionResetError):
                    return False, buf, time.monotonic() - start
            if not data:
                return True, buf, None
    finally:
        s.setblocking(True)


def run_entry(port, expect, steps, head_request):
    """Send the steps; return (responses, closed_after_seconds or None,
    error string or None)."""
    words = expect.split()
    wait = DEFAULT_WAIT
    count = 1
    first = words[0]
    for w in words:
        if w.startswith("wait="):
            wait = float(w[5:])
    if first[0].isdigit():
        count = len(statuses(first))
    s = httpc.connect(port, timeout=5)
    start = time.monotonic()
    buf = b""
    closed = None
    try:
        for st in steps:
            if st[0] == "send":
                more, buf, closed = send_reading(s, st[1], buf, start)
                if not more:
                    break
            elif st[0] == "pause":
                time.sleep(st[1])
            elif st[0] == "shut":
                s.shutdown(socket.SHUT_WR)
            elif st[0] == "close":
                s.close()
                return [], None, None
        want_open = "open" in words
        deadline = time.monotonic() + wait
        while closed is None:
            left = deadline - time.monotonic()
            resps, partial = parse_responses(buf, head_request)
            if first != "close" and len(resps) >= count and \
                    "close" not in words[1:] and "only" not in words:
                if not want_open:
                    break
                left = min(left, 0.5)
                deadline = min(deadline, time.monotonic() + 0.5)
                if left <= 0:
                    break
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                data = b""
            if not data:
                closed = time.monotonic() - start
                break
            buf += data
        if "twice" in words:
            end = buf.find(b"\r\n\r\n") + 4
            if end < 4 or buf[end:2 * end] != buf[:end]:
                return [], closed, "header block not sent twice"
            buf = buf[end:]
        resps, partial = parse_responses(buf, head_request,
                                         closed is not None)
        return resps, closed, ("incomplete response" if partial else None)
    except ValueError as e:
        return [], closed, str(e)
    finally:
        s.close()


def check(expect, resps, closed, err):
    """None when the outcome matches EXPECT, else what is wrong."""
    words = expect.split()
    first = words[0]
    got = " ".join(str(r[0]) for r in resps[:5]) or "no response"
    if len(resps) > 5:
        got += " ... (%d responses)" % len(resps)
    got += ", closed after %.1f s" % closed if closed is not None \
        else ", still open"
    if first == "none":
        return None, got
    if err:
        return err, got
    if first == "close":
        if resps:
            return "a response, expected none", got
        if closed is None:
            return "connection not closed", got
    else:
        want = statuses(first)
        if len(resps) < len(want):
            return "%d responses, expected %d" % (len(resps), len(want)), got
        if [r[0] for r in resps[:len(want)]] != want:
            return "statuses differ from %s" % first, got
        if "only" in words[1:] and len(resps) > len(want):
            return "%d responses, expected only %d" % (len(resps),
                                                      len(want)), got
        if "close" in words[1:] and closed is None:
            return "connection not closed after the response", got
        if "open" in words[1:] and closed is not None:
            return "connection closed, expected open", got
    for w in words[1:]:
        if w.startswith("body="):
            text = codecs.decode(w[5:], "unicode_escape").encode("latin-1")
            if not resps or text not in resps[0][2]:
                return "body lacks %r" % text, got
        elif w.startswith("header="):
            text = codecs.decode(w[7:], "unicode_escape").lower()
            if not resps or text not in resps[0][1].lower():
                return "header lacks %r" % text, got
        elif w.startswith("after="):
            if closed is not None and closed < float(w[6:]):
                return "closed after %.2f s, expected %s s at least" % (
                    closed, w[6:]), got
    return None, got


def log_match(path, offset, regex, wait=2.0):
    deadline = time.monotonic() + wait
    while True:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("latin-1")
        for line in text.splitlines():
            if re.search(regex, line):
                return line
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log")
    p.add_argument("--only")
    p.add_argument("-v", action="store_true")
    p.add_argument("corpus")
    a = p.parse_args()
    entries = []
    with open(a.corpus, encoding="latin-1") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split(" | ", 3)
            if len(fields) == 4:    # the request is taken as it is
                fields = [x.strip() for x in fields[:3]] + [fields[3]]
            if len(fields) != 4:
                sys.exit("%s:%d: expected NAME | EXPECT | LOG | REQUEST" %
                         (a.corpus, n))
            entries.append(fields)
    names = [e[0] for e in entries]
    if len(set(names)) != len(names):
        sys.exit("%s: duplicate names" % a.corpus)
    passed = failed = 0
    for name, expect, logre, request in entries:
        if a.only and name != a.only:
            continue
        offset = os.path.getsize(a.log) if a.log else 0
        steps = expand(request)
        resps, closed, err = run_entry(a.port, expect, steps,
                                       request.startswith("HEAD "))
        why, got = check(expect, resps, closed, err)
        if why is None and logre != "-" and a.log:
            if log_match(a.log, offset, logre) is None:
                why = "no log line matching %r" % logre
        if why is None:
            passed += 1
            print("ok %s: %s" % (name, got))
        else:
            failed += 1
            print("FAIL %s: %s (got %s)" % (name, why, got))
        if a.v and resps:
            print("   ", resps[0][1].split("\r\n")[0], resps[0][2][:80])
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
