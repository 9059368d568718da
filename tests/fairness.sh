#!/bin/bash
# More keep-alive clients than threads: every client is served (FIFO), no
# connection monopolises the threads.  Counted over a fixed number of
# responses, not a time: how many a second is bench/run's (fairness).
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --disable-logging
$CLIENT --port "$PORT" --timeout 60 fair --conns 50 --total 1000 >"$TMP/fair" ||
    fail "1000 responses to 50 keep-alive clients: $(cat "$TMP/fair")"
read -r min max total <"$TMP/fair"
[ "$min" -gt 0 ] || fail "a client got no response (min $min, max $max)"
[ $((min * 4)) -ge "$max" ] ||
    fail "unfair: min $min, max $max responses per connection"
ok "50 keep-alive clients on 2 threads, 1000 responses: min $min, max $max a connection"

# New clients are not starved by keep-alive clients that keep every thread
# busy: they are let in one at a time to queue behind them.
stop_server
start_server --threads 1 --disable-logging
$CLIENT --port "$PORT" fair --conns 8 --seconds 6 --path /cpu/2 >"$TMP/ka" &
KA=$!
sleep 1
for i in 1 2 3; do
	expect_status 200 / --max-time 4
done
wait "$KA"
read -r min max total <"$TMP/ka"
[ "$min" -gt 0 ] || fail "a keep-alive client starved: $min $max"
ok "new clients served while 8 keep-alive clients saturate 1 thread"
