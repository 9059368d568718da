#!/bin/bash
# No slot ever leaks: clients that leave while waiting in the backlog,
# after connecting but before a request, mid-request, or while their
# request runs leave the server able to run exactly T requests at once.
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --listen 16 --request-grace 200 --read-timeout 2
# Keep both threads busy so that the storm waits in the backlog first.
$CLIENT --port "$PORT" hold --count 2 --path '/?id=1000&sleep=2' >"$TMP/busy" &
BUSY=$!
wait_until 5 processing_is 2 || fail "busy requests did not start"
# In the backlog: give up before being accepted (FIN and RST).
$CLIENT --port "$PORT" hold --count 6 --path '/sleep/1' --close-after 0.3 >/dev/null
$CLIENT --port "$PORT" hold --count 6 --path '/sleep/1' --close-after 0.3 --rst >/dev/null
wait "$BUSY"
# Connected, nothing sent / half a request sent, then gone.
$CLIENT --port "$PORT" hold --count 6 --send none --close-after 0.5 >/dev/null
$CLIENT --port "$PORT" hold --count 6 --send partial --close-after 0.5 >/dev/null
# While their request runs (FIN and RST).
$CLIENT --port "$PORT" hold --count 4 --path '/?id={i}&sleep=1' \
    --close-after 0.5 >/dev/null
$CLIENT --port "$PORT" hold --count 4 --path '/?id={i}&sleep=1' \
    --close-after 0.5 --rst >/dev/null
sleep 2.5	# the runs finish, read timeouts expire

# Now exactly 2 at once again: 5 slow clients, 2 run, 3 in the backlog.
start_line=$(wc -l <"$TMP/err")
$CLIENT --port "$PORT" hold --count 5 --stagger 0.02 \
    --path '/?id=2{i}&sleep=1.5' >"$TMP/after" &
AFTER=$!
wait_until 5 listen_queue_is "3 16" ||
    fail "after the storm: listen queue '$(listen_queue)', expected 3 16"
test_new_running_2() {
	[ "$(new_running)" = 2 ]
}
new_running() {
	tail -n +"$start_line" "$TMP/err" | grep -c 'processing request id\[2'
}
wait_until 5 test_new_running_2 2>/dev/null
n=$(new_running)
[ "$n" = 2 ] || fail "after the storm $n requests run at once, expected 2"
wait "$AFTER"
grep -q '"status": {"200": 5}' "$TMP/after" || fail "$(cat "$TMP/after")"
grep -q respawn "$TMP/err" && fail "a worker was respawned"
kill -0 "$(worker_pids)" || fail "worker gone"
ok "after a storm of departing clients: 2 running, 3 in Recv-Q, all served"
