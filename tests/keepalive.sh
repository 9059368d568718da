#!/bin/bash
# HTTP/1.1 keep-alive: several requests on one connection; with
# --keepalive-timeout 0 every response closes; an idle keep-alive
# connection holds no thread.
. "$(dirname "$0")/lib.sh"

start_server --threads 1
r=$($CLIENT --port "$PORT" seq --count 5 --path '/?id={i}')
[ "$r" = "200 200 200 200 200 same-connection" ] || fail "seq: $r"
ok "5 requests on one connection"

# An idle keep-alive connection does not hold the only thread.
python3 - "$PORT" <<'PY' &
import sys, time, httpc
s = httpc.connect(int(sys.argv[1]))
s.sendall(httpc.request("/"))
httpc.read_response(s)
time.sleep(4)
PY
IDLE=$!
sleep 0.5
for i in 1 2 3; do
	expect_status 200 "/?id=$i" --max-time 3
done
ok "one thread serves others while a keep-alive connection idles"
kill "$IDLE" 2>/dev/null
stop_server

start_server --threads 1 --keepalive-timeout 0
r=$($CLIENT --port "$PORT" seq --count 2 --path /)
[ "$r" = "200 close-announced" ] || fail "keepalive-timeout 0: $r"
ok "--keepalive-timeout 0 closes after each response"
stop_server

# The keep-alive timeout closes idle connections.
start_server --threads 1 --keepalive-timeout 1
python3 - "$PORT" <<'PY' || fail "idle keep-alive connection was not closed"
import sys, time, httpc
s = httpc.connect(int(sys.argv[1]))
s.sendall(httpc.request("/"))
assert httpc.read_response(s).status == 200
t = time.monotonic()
assert s.recv(4096) == b""
assert time.monotonic() - t < 8
PY
ok "--keepalive-timeout 1 closes an idle connection"
stop_server

# Several workers: a keep-alive request that waited for a thread while
# others wait is answered with Connection: close, so that the client's
# next request goes back to the shared backlog (3 keep-alive clients on
# 2 workers of 1 thread: one worker holds 2 of them).  Fast requests and
# a single worker keep their connections.
start_server --processes 2 --threads 1
CURLS=
for c in 1 2 3; do
	curl -s -D "$TMP/h$c" -o /dev/null --max-time 30 \
	    "$(url /sleep/0.3)" "$(url /sleep/0.3)" "$(url /sleep/0.3)" \
	    "$(url /sleep/0.3)" &
	CURLS="$CURLS $!"
done
# shellcheck disable=SC2086
wait $CURLS
cat "$TMP"/h1 "$TMP"/h2 "$TMP"/h3 >"$TMP/heads"
[ "$(grep -c '^HTTP/1.1 200' "$TMP/heads")" = 12 ] ||
    fail "12 answers expected: $(grep '^HTTP' "$TMP/heads" | sort | uniq -c)"
shed=$(grep -ci '^Connection: close' "$TMP/heads")
[ "$shed" -ge 1 ] || fail "no keep-alive connection handed back to the backlog"
for i in $(seq 1 20); do curl -s -D - -o /dev/null "$(url /)"; done |
    grep -qi '^Connection: close' && fail "fast requests lost keep-alive"
ok "2 workers, 3 keep-alive clients of /sleep/0.3: 12 answers, $shed connections handed back to the shared backlog"
stop_server

# Waiting is global: 4 workers of 2 threads, 12 keep-alive clients of 5
# requests of /sleep/0.2 each.  4 clients are always waiting; they should
# wait in the shared backlog, not in a worker while another worker has a
# free thread: a request that waited 50 ms or more in a worker is flagged
# by --queue-warn.  Before waiting was made global, 22 of the 60 were.
start_server --processes 4 --threads 2 --queue-warn 50
CURLS=
for c in $(seq 1 12); do
	curl -s -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	    -o /dev/null -w '%{http_code}\n' --max-time 30 \
	    "$(url /sleep/0.2)" "$(url /sleep/0.2)" "$(url /sleep/0.2)" \
	    "$(url /sleep/0.2)" "$(url /sleep/0.2)" >"$TMP/g$c" &
	CURLS="$CURLS $!"
done
# shellcheck disable=SC2086
wait $CURLS
[ "$(cat "$TMP"/g* | grep -c '^200$')" = 60 ] ||
    fail "60 answers expected: $(cat "$TMP"/g* | sort | uniq -c)"
queued=$(grep -c 'GET /sleep/0.2 => .*\[queued [0-9]* msecs\]' "$TMP/err")
# under memcheck every step takes many times longer: 50 ms means little
[ "$queued" -le 3 ] || [ -n "${POOLSERVE_UNDER_VALGRIND:-}" ] ||
    fail "$queued of 60 requests waited 50 ms or more in a worker"
ok "4 workers x 2 threads, 12 keep-alive clients: $queued of 60 requests waited 50 ms or more in a worker"
stop_server
start_server --processes 1 --threads 1
CURLS=
for c in 1 2; do
	curl -s -D "$TMP/g$c" -o /dev/null --max-time 30 \
	    "$(url /sleep/0.2)" "$(url /sleep/0.2)" "$(url /sleep/0.2)" &
	CURLS="$CURLS $!"
done
# shellcheck disable=SC2086
wait $CURLS
cat "$TMP"/g1 "$TMP"/g2 | grep -qi '^Connection: close' &&
    fail "one worker closed a keep-alive connection"
ok "1 worker: waiting keep-alive requests keep their connections"
