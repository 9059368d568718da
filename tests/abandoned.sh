#!/bin/bash
# Requests whose clients gave up while waiting are not run: they are
# skipped, counted and logged, in the listen backlog and in the in-process
# queue alike.
. "$(dirname "$0")/lib.sh"

# Waiting in the listen backlog: one thread busy for 2 s, 5 clients send
# their request and give up after 0.5 s.
start_server --threads 1
$CLIENT --port "$PORT" hold --count 1 --path '/?id=100&sleep=2' >"$TMP/busy" &
BUSY=$!
wait_until 5 processing_is 1 || fail "the busy request did not start"
$CLIENT --port "$PORT" hold --count 5 --path '/?id={i}' \
    --close-after 0.5 >"$TMP/gone"
grep -q '"gave_up": 5' "$TMP/gone" || fail "clients: $(cat "$TMP/gone")"
wait "$BUSY"
# The abandoned ones are accepted and found gone; give them a moment.
wait_until 5 info_has '"skipped":5' ||
    fail "skip count: $(get /info)"
[ "$(grep -c 'skipped GET /' "$TMP/err")" = 5 ] || fail "5 skip lines expected"
for i in 1 2 3 4 5; do
	grep -q "processing request id\[$i\]" "$TMP/err" &&
	    fail "abandoned request $i ran"
done
ok "5 requests abandoned in the backlog were skipped, not run"
stop_server

# Waiting in the in-process queue (--queue), clients reset the connection.
start_server --threads 1 --queue 4
$CLIENT --port "$PORT" hold --count 1 --path '/?id=100&sleep=2' >"$TMP/busy" &
BUSY=$!
wait_until 5 processing_is 1 || fail "the busy request did not start"
$CLIENT --port "$PORT" hold --count 3 --path '/?id={i}' --close-after 0.5 \
    --rst >"$TMP/gone"
wait "$BUSY"
wait_until 5 info_has '"skipped":3' ||
    fail "skip count: $(get /info)"
[ "$(processing_count)" = 1 ] || fail "an abandoned request ran"
ok "3 requests abandoned in the in-process queue were skipped"

# And the server is whole afterwards.
expect_status 200 /
