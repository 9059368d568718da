#!/bin/bash
# Clients that connect and say nothing cannot stop the server: after the
# grace period (0.3 s here) they stop counting as taken slots: a normal
# client is served long before --read-timeout (6 s) closes them.
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --request-grace 300 --read-timeout 6
$CLIENT --port "$PORT" --timeout 20 hold --count 4 --send none >"$TMP/silent" &
SILENT=$!
sleep 0.5
t0=$(date +%s%N)
expect_status 200 / --max-time 3
ok "a normal client is served while 4 silent clients hold connections"
expect_status 200 '/?id=1' --max-time 5

# The silent connections are closed by the read timeout, without an answer.
wait "$SILENT"
grep -q '"closed": 4' "$TMP/silent" ||
    fail "silent clients were not closed: $(cat "$TMP/silent")"
grep -q '"timeout": 0' "$TMP/silent" || fail "$(cat "$TMP/silent")"
ok "--read-timeout closed the 4 silent connections"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000000 )) -lt 15 ] || fail "read timeout took too long"

# Partial requests are treated the same way.
$CLIENT --port "$PORT" --timeout 20 hold --count 2 --send partial >"$TMP/part" &
sleep 0.5
expect_status 200 / --max-time 3
ok "a normal client is served while 2 clients send half a request"
