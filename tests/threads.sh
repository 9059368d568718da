#!/bin/bash
# A fixed pool: T request threads plus the event loop per worker, named, created
# at start-up and reused; the task count never moves under load.
. "$(dirname "$0")/lib.sh"

start_server --threads 3
W=$(worker_pids)
[ "$(echo "$W" | wc -w)" = 1 ] || fail "expected 1 worker, got: $W"
before=$(task_count "$W")
[ "$before" = 4 ] || fail "worker has $before threads, expected 3 + 1"
names=$(cat /proc/"$W"/task/*/comm | sort | tr '\n' ' ')
[ "$names" = "poolserve w1c0 w1c1 w1c2 " ] ||
    fail "thread names are '$names'"
ok "worker has 4 threads: poolserve (the event loop) w1c0 w1c1 w1c2"

# 400 requests from 40 concurrent clients while sampling the task count.
$CLIENT --port "$PORT" hold --count 400 --path '/cpu/1' >"$TMP/hold" &
HOLD=$!
most=$before
while kill -0 "$HOLD" 2>/dev/null; do
	n=$(task_count "$W")
	[ "$n" -gt "$most" ] && most=$n
	sleep 0.01
done
wait "$HOLD"
grep -q '"status": {"200": 400}' "$TMP/hold" ||
    fail "not all answered: $(cat "$TMP/hold")"
[ "$most" = 4 ] || fail "task count rose to $most under load"
[ "$(task_count "$W")" = 4 ] || fail "task count changed after load"
ok "task count stayed 4 during 400 requests"

threads=$(grep -o '(thread w1c[0-9]*)' "$TMP/err" | sort -u | wc -l)
[ "$threads" -ge 1 ] && [ "$threads" -le 3 ] ||
    fail "$threads distinct threads served requests, expected 1..3"
[ "$(grep -c '(thread w1c' "$TMP/err")" = 400 ] ||
    fail "expected 400 access log lines"
ok "400 requests served by $threads reused threads"

info=$(get /info)
echo "$info" | grep -q '"thread":"w1c[0-2]"' || fail "/info: $info"
echo "$info" | grep -q '"threads":3' || fail "/info: $info"
ok "/info names the thread"
