#!/bin/bash
# Idle keep-alive connections are parked: after a few seconds of silence a
# connection leaves libmicrohttpd (and its memory pool) and is held as a
# bare socket; its next request is served on the same connection, a
# pipelined or partial request is never lost, the keep-alive timeout and
# the client's close still end it, and the worker's memory falls back.
. "$(dirname "$0")/lib.sh"

SPORT=$(free_port)
start_server --threads 2 --keepalive-timeout 8 --stats "127.0.0.1:$SPORT"

# parked: the worker's "parked" and "connections" from the stats JSON
parked() {
	curl -s "http://127.0.0.1:$SPORT/" | python3 -c '
import json, sys
w = json.load(sys.stdin)["workers"][0]
print(w["parked"], w["connections"])'
}

parked_is() {
	[ "$(parked)" = "$1" ]
}

# One connection: answered, parked while silent, its next request served
# on the same socket after it was parked, parked again, then closed by
# its client: the worker closes it too.
python3 - "$PORT" "$SPORT" >"$TMP/one" <<'PY' || fail "parked connection: $(cat "$TMP/one")"
import json, sys, time, urllib.request, httpc
port, sport = int(sys.argv[1]), int(sys.argv[2])
def parked():
    w = json.load(urllib.request.urlopen(
        "http://127.0.0.1:%d/" % sport, timeout=5))["workers"][0]
    return w["parked"], w["connections"]
s = httpc.connect(port)
s.sendall(httpc.request("/"))
r = httpc.read_response(s)
assert r.status == 200 and r.body == b"Hello, world!\n", r
assert parked() == (0, 1), parked()
t = time.monotonic()
while parked() != (1, 1) and time.monotonic() - t < 8:
    time.sleep(0.2)
assert parked() == (1, 1), parked()
print("parked after %.1f s" % (time.monotonic() - t))
s.sendall(httpc.request("/?id=7"))
r = httpc.read_response(s)
assert r.status == 200 and r.body == b"hello #7\n", r
t = time.monotonic()
while parked() != (1, 1) and time.monotonic() - t < 8:
    time.sleep(0.2)
assert parked() == (1, 1), parked()
s.close()
t = time.monotonic()
while parked() != (0, 0) and time.monotonic() - t < 5:
    time.sleep(0.2)
assert parked() == (0, 0), parked()
print("closed by its client")
PY
ok "a keep-alive connection is parked, served again on its socket, parked again, closed with its client ($(head -1 "$TMP/one"))"

# A request pipelined in part behind an answered one sits in
# libmicrohttpd's buffer: the connection is not parked, and the rest of
# the request completes it.  The same with the bytes still in the kernel.
python3 - "$PORT" "$SPORT" >"$TMP/pipe" <<'PY' || fail "partial pipelined request: $(cat "$TMP/pipe")"
import json, sys, time, urllib.request, httpc
port, sport = int(sys.argv[1]), int(sys.argv[2])
def parked():
    w = json.load(urllib.request.urlopen(
        "http://127.0.0.1:%d/" % sport, timeout=5))["workers"][0]
    return w["parked"]
s = httpc.connect(port)
s.sendall(httpc.request("/?id=1") + b"GET /?id=2 HTTP/1.1\r\nHo")
r = httpc.read_response(s)
assert r.status == 200 and r.body == b"hello #1\n", r
time.sleep(4.5)
assert parked() == 0, "parked with a partial request in its buffer"
s.sendall(b"st: x\r\n\r\n")
r = httpc.read_response(s)
assert r.status == 200 and r.body == b"hello #2\n", r
print("ok")
PY
ok "a connection with part of a pipelined request is not parked; the request completes"

# The keep-alive timeout still ends a parked connection.
python3 - "$PORT" >"$TMP/timeout" <<'PY' || fail "keep-alive timeout of a parked connection: $(cat "$TMP/timeout")"
import sys, time, httpc
s = httpc.connect(int(sys.argv[1]), timeout=20)
s.sendall(httpc.request("/"))
assert httpc.read_response(s).status == 200
t = time.monotonic()
assert s.recv(4096) == b""
d = time.monotonic() - t
assert 7 <= d < 11, d
print("closed after %.1f s" % d)
PY
ok "--keepalive-timeout 8 closes a parked connection ($(cat "$TMP/timeout"))"
grep -q "parked_connections" <(curl -s "http://127.0.0.1:$SPORT/metrics") ||
    fail "/metrics has no parked_connections"
stop_server

# Memory: 400 idle keep-alive connections cost the worker their memory
# pools (24 KiB each at the default --max-header-size) only until they
# are parked, then less than 4 KiB each.
SPORT=$(free_port)
start_server --threads 4 --keepalive-timeout 60 --stats "127.0.0.1:$SPORT"
w=$(worker_pids | head -1)
for i in 1 2 3 4 5; do curl -s -o /dev/null "$(url /)"; done
base=$(rss_kb "$w")
python3 - "$PORT" 400 >"$TMP/many" <<'PY' &
import sys, time, httpc
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = []
for i in range(n):
    s = httpc.connect(port)
    s.sendall(httpc.request("/"))
    conns.append(s)
for s in conns:
    assert httpc.read_response(s).status == 200
print("answered", flush=True)
time.sleep(20)
for s in conns:
    s.sendall(httpc.request("/?id=3"))
bad = [r.status for r in (httpc.read_response(s) for s in conns)
       if r.status != 200 or r.body != b"hello #3\n"]
print("second answers bad: %d" % len(bad), flush=True)
PY
CL=$!
wait_until 10 grep -q answered "$TMP/many" || fail "400 answers: $(cat "$TMP/many")"
busy=$(rss_kb "$w")
wait_until 10 parked_is "400 400" || fail "parked, connections: $(parked)"
sleep 1.5
idle=$(rss_kb "$w")
per=$(( (idle - base) * 1024 / 400 ))
# Not held against a run under sanitizers: their allocator keeps freed
# memory in quarantine and malloc_trim cannot give it back.
[ -n "${POOLSERVE_SANITIZERS:-}" ] || [ "$per" -lt 4096 ] ||
    fail "RSS $base -> $busy -> $idle kB: $per bytes per parked connection"
wait "$CL" || fail "client: $(cat "$TMP/many")"
grep -q "second answers bad: 0" "$TMP/many" || fail "$(cat "$TMP/many")"
ok "400 parked connections: worker RSS $base -> $busy kB answering -> $idle kB parked ($per bytes each${POOLSERVE_SANITIZERS:+, not checked under sanitizers}); all 400 answered again"
stop_server
