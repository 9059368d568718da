#!/bin/bash
# P workers share one listen socket; /hit counts across all of them; a
# worker that dies is logged with its status and replaced.
. "$(dirname "$0")/lib.sh"

start_server --processes 3 --threads 2
W=$(worker_pids)
[ "$(echo "$W" | wc -w)" = 3 ] || fail "expected 3 workers: $W"
[ "$(ss -Hlnt "sport = :$PORT" | wc -l)" = 1 ] || fail "not one listen socket"
ok "3 workers share one listen socket"

$CLIENT --port "$PORT" hold --count 90 --path /hit >"$TMP/hits"
grep -q '"status": {"200": 90}' "$TMP/hits" || fail "$(cat "$TMP/hits")"
[ "$(get /hit)" = 91 ] || fail "/hit after 90 hits is $(cat "$TMP/body")"
ok "/hit counted 90 requests across processes"

# Slow requests spread over the workers: 6 run at once (3 x 2).
$CLIENT --port "$PORT" hold --count 8 --stagger 0.02 \
    --path '/?id={i}&sleep=1.5' >"$TMP/slow" &
SLOW=$!
wait_until 5 listen_queue_is "2 128" || fail "listen queue $(listen_queue)"
wait_until 5 processing_is 6 || fail "$(processing_count) running, expected 6"
pids=$(grep 'processing request' "$TMP/err" | sed 's/.* - \([0-9]*\)-w.*/\1/' |
    sort -u | wc -l)
[ "$pids" = 3 ] || fail "slow requests ran in $pids processes, expected 3"
wait "$SLOW"
ok "3 x 2 = 6 requests at once, in 3 processes, the rest waiting"

victim=$(echo "$W" | head -n 1)
kill -9 "$victim"
wait_until 5 grep -q "(pid $victim) killed by signal 9" "$TMP/err" ||
    fail "the death of $victim was not logged"
wait_until 5 grep -q 'respawned' "$TMP/err" || fail "no respawn"
three() { [ "$(pgrep -P "$PID" | wc -l)" = 3 ]; }
wait_until 5 three || fail "not 3 workers"
expect_status 200 /
ok "a killed worker is logged and respawned"
