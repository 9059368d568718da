#!/bin/bash
# The concurrency model as ss shows it: --threads 2 --listen 8 and 12 slow
# clients: exactly 2 requests run, 9 connections wait in the accept queue
# (Linux lets Recv-Q reach backlog + 1), 1 client is in SYN retry, and in
# the end every client is answered.
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --listen 8
$CLIENT --port "$PORT" --timeout 60 hold --count 12 \
    --stagger 0.02 --path '/?id={i}&sleep=2' >"$TMP/hold" &
HOLD=$!

wait_until 5 listen_queue_is "9 8" ||
    fail "listen queue is '$(listen_queue)', expected Recv-Q 9 Send-Q 8"
ok "listen socket Recv-Q 9 / Send-Q 8 at saturation"

wait_until 5 processing_is 2 ||
    fail "$(processing_count) requests running, expected 2"
ok "exactly 2 requests in progress"

wait_until 5 syn_retry_is 1 || fail "$(syn_retry) clients in SYN retry, expected 1"
ok "the client beyond the backlog is in SYN retry"

# Server side: 2 accepted + 9 queued = 11 established connections.
est=$(ss -Htn state established "sport = :$PORT" | wc -l)
[ "$est" = 11 ] || fail "$est server-side established, expected 11"
ok "11 established on the server side (2 running + 9 waiting)"

# Still exactly 2 at once a moment later, while the queue drains.
sleep 1
[ "$(processing_count)" = 2 ] || fail "more than 2 ran in the first 2 s"

wait "$HOLD"
grep -q '"status": {"200": 12}' "$TMP/hold" ||
    fail "not every client was answered: $(cat "$TMP/hold")"
ok "all 12 clients answered 200"
[ "$(grep -c 'done request id' "$TMP/err")" = 12 ] ||
    fail "expected 12 'done request' lines"
most=$(max_overlap)
[ "$most" = 2 ] || fail "$most requests ran at once, expected at most 2"
ok "12 requests ran, never more than 2 at once"
