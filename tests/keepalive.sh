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
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
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
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
t = time.monotonic()
assert s.recv(4096) == b""
assert time.monotonic() - t < 8
PY
ok "--keepalive-timeout 1 closes an idle connection"
