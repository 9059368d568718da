#!/bin/bash
# --queue Q: up to Q parsed requests wait in process, beyond that 503 with
# Retry-After; with the default --queue 0 a keep-alive request waits its
# turn in FIFO order instead.
. "$(dirname "$0")/lib.sh"

# D: a keep-alive client that is served once, then asks again while one
# request runs (A) and one waits (B).
scenario() {
	python3 - "$PORT" <<'PY'
import sys, time, httpc
port = int(sys.argv[1])
def req(s, path):
    s.sendall(httpc.request(path))
d = httpc.connect(port, 20)
req(d, "/?id=0"); httpc.read_response(d)
a = httpc.connect(port, 20)
req(a, "/?id=1&sleep=2"); time.sleep(0.3)
b = httpc.connect(port, 20)
req(b, "/?id=2&sleep=1"); time.sleep(0.3)
req(d, "/?id=3")
r = httpc.read_response(d)
print("D", r.line, "retry-after" if "Retry-After: 1" in r.head else "-")
print("A", httpc.read_response(a).line)
print("B", httpc.read_response(b).line)
PY
}

start_server --threads 1 --queue 1
out=$(scenario)
echo "$out" | grep -q '^D HTTP/1.1 503 Service Unavailable retry-after$' ||
    fail "--queue 1: expected 503 with Retry-After for D: $out"
echo "$out" | grep -q '^A HTTP/1.1 200' || fail "A: $out"
echo "$out" | grep -q '^B HTTP/1.1 200' || fail "B: $out"
grep -q 'queue full.*503 for GET /' "$TMP/err" || fail "no 'queue full' log line"
grep -q 'GET /?id=3 => .*(HTTP/1.1 503)' "$TMP/err" || fail "no 503 access line"
grep -q 'processing request id\[3\]' "$TMP/err" && fail "the 503 request ran"
get /info | grep -q '"rejected":1' || fail "rejected count: $(get /info)"
ok "--queue 1: 1 running, 1 waiting, the next request gets 503 + Retry-After"
stop_server

start_server --threads 1
out=$(scenario)
echo "$out" | grep -q '^D HTTP/1.1 200 OK -$' || fail "--queue 0: D: $out"
echo "$out" | grep -q "^B HTTP/1.1 200" || fail "B: $out"
# B's new connection waited in the listen backlog while D's request, on
# an open connection, waited in process: D queued first, then B was let in
# behind it (one new connection at a time is, so the backlog never starves).
order=$(grep -o 'processing request id\[[0-9]*\]' "$TMP/err" | tr -dc '0-9\n' |
    tr '\n' ' ')
[ "$order" = "0 1 3 2 " ] || fail "order of requests: $order"
ok "--queue 0: the keep-alive request waited its turn (no 503), then B"
# D waited about 1.4 s for the thread: over --queue-warn's 1000 ms.
grep -Eq 'GET /\?id=3 => .* \[queued 1[0-9]{3} msecs\] \(thread w1c0\)$' "$TMP/err" ||
    fail "the long wait is not flagged: $(grep 'id=3 ' "$TMP/err")"
grep -q 'GET /?id=1&sleep=2 => .*queued' "$TMP/err" && fail "A was flagged"
ok "a request that waited over --queue-warn is flagged in the access log"
