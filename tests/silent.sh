#!/bin/bash
# Clients that connect and say nothing cannot stop the server: after the
# grace period (0.3 s here) they stop counting as taken slots: a normal
# client is served long before --read-timeout (6 s) closes them.
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --request-grace 300 --read-timeout 6
$CLIENT --port "$PORT" --timeout 15 hold --count 4 --send none >"$TMP/silent" &
SILENT=$!
sleep 0.5
expect_status 200 / --max-time 3
ok "a normal client is served while 4 silent clients hold connections"
expect_status 200 '/?id=1' --max-time 5

# The silent connections are closed by the read timeout, without an answer
# (none is left open when the client gives up after 15 s).
wait "$SILENT"
grep -q '"closed": 4' "$TMP/silent" ||
    fail "silent clients were not closed: $(cat "$TMP/silent")"
grep -q '"timeout": 0' "$TMP/silent" || fail "$(cat "$TMP/silent")"
ok "--read-timeout closed the 4 silent connections"

# Partial requests are treated the same way.
$CLIENT --port "$PORT" --timeout 20 hold --count 2 --send partial >"$TMP/part" &
sleep 0.5
expect_status 200 / --max-time 3
ok "a normal client is served while 2 clients send half a request"

# Half a request and an immediate close, while the clients wait in the
# backlog: the connections are closed within about a second, not kept in
# CLOSE-WAIT (holding a descriptor and a connection place) until
# --read-timeout.
stop_server
start_server --threads 1 --read-timeout 30
python3 - "$PORT" <<'PY'
import sys, httpc
for i in range(8):
    s = httpc.connect(int(sys.argv[1]))
    s.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\nX-Par")
    s.close()
PY
closewait() {
	ss -Htn state close-wait "sport = :$PORT" | wc -l
}
closewait_is() {
	[ "$(closewait)" = "$1" ]
}
wait_until 5 closewait_is 0 ||
    fail "$(closewait) half requests still in CLOSE-WAIT after 5 s"
expect_status 200 /
ok "8 clients that sent half a request and closed are gone within seconds (--read-timeout 30)"

# The same with complete headers and part of a body: the request is
# begun (counted), its body incomplete.
python3 - "$PORT" <<'PY'
import sys, httpc
for i in range(20):
    s = httpc.connect(int(sys.argv[1]))
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
              b"\r\n[1,2,3")
    s.close()
PY
wait_until 5 closewait_is 0 ||
    fail "$(closewait) partial bodies still in CLOSE-WAIT after 5 s"
expect_status 200 /
ok "20 clients that sent headers and part of a body and closed are gone within seconds"
