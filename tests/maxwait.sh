#!/bin/bash
# --max-wait MS: a request that waited longer than MS in the listen backlog
# and the worker's FIFO is answered 503 with Retry-After at once, without a
# thread, logged and counted; one that did not is served as before.
. "$(dirname "$0")/lib.sh"

# 20 clients on /sleep/2 with 2 threads: 2 are served; the 18 others wait
# in the listen backlog (the gate is closed) and are shed after 0.5 s,
# long before a thread frees, none of them run.
SPORT=$(free_port)
start_server --threads 2 --max-wait 500 --stats "127.0.0.1:$SPORT"
clients=()
for i in $(seq 1 20); do
	curl -s -o /dev/null -D "$TMP/head.$i" --max-time 20 \
	    -w '%{http_code} %{time_total}\n' "$(url /sleep/2)" \
	    >"$TMP/res.$i" &
	clients+=($!)
done
wait "${clients[@]}"
cat "$TMP"/res.* >"$TMP/all"
[ "$(grep -c '^200 ' "$TMP/all")" -eq 2 ] || fail "200s: $(cat "$TMP/all")"
[ "$(grep -c '^503 ' "$TMP/all")" -eq 18 ] || fail "503s: $(cat "$TMP/all")"
[ "$(grep -il '^Retry-After: 1' "$TMP"/head.* | wc -l)" -eq 18 ] ||
    fail "a 503 without one Retry-After: $(cat "$TMP"/head.*)"
# every 503 came before the first 200, that is while both threads ran
first_ok=$(awk '$1 == 200 { print $2 }' "$TMP/all" | sort -n | head -n 1)
last_shed=$(awk '$1 == 503 { print $2 }' "$TMP/all" | sort -n | tail -n 1)
awk -v a="$last_shed" -v b="$first_ok" 'BEGIN { exit !(a < b) }' ||
    fail "a 503 came after a thread was free: last 503 $last_shed s, first 200 $first_ok s"
ok "2 threads, 20 clients, --max-wait 500: 2 served, 18 shed with 503 + Retry-After before a thread was free"
[ "$(grep -c 'GET /sleep/2 => .*(thread w1c[01])$' "$TMP/err")" -eq 2 ] ||
    fail "shed requests ran: $(grep -c '(thread w1c' "$TMP/err") on a thread"
[ "$(grep -c 'shed GET /sleep/2 from 127.0.0.1: waited [0-9]* ms, over --max-wait 500: 503' "$TMP/err")" -eq 18 ] ||
    fail "shed log lines: $(grep -c ' shed ' "$TMP/err")"
[ "$(grep -c 'GET /sleep/2 => .*(HTTP/1.1 503) .*(thread -)$' "$TMP/err")" -eq 18 ] ||
    fail "access log 503 lines: $(grep -c 'HTTP/1.1 503' "$TMP/err")"
ok "18 shed lines in the error log and 18 503 lines in the access log, no thread"
curl -s "http://127.0.0.1:$SPORT/stats" | grep -q '"shed":18,' ||
    fail "stats: $(curl -s "http://127.0.0.1:$SPORT/stats")"
curl -s "http://127.0.0.1:$SPORT/metrics" |
    grep -q '^poolserve_shed_requests_total{worker="1"} 18$' ||
    fail "metrics: $(curl -s "http://127.0.0.1:$SPORT/metrics" | grep shed)"
ok "stats JSON and /metrics count 18 shed"
stop_server

# A keep-alive request that waits in the worker's FIFO past --max-wait:
# D's first request runs, A arrives and waits behind it, takes the thread
# when D's ends; D's second request then waits behind A and is shed at
# 0.8 s, on the same connection, which stays open.
start_server --threads 1 --max-wait 800
curl -s -o /dev/null -o /dev/null \
    -w '%{http_code} %{num_connects}\n' --max-time 20 \
    "$(url '/?id=1&sleep=0.5')" "$(url '/?id=2')" >"$TMP/d" &
clients=($!)
sleep 0.2
curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 \
    "$(url '/?id=3&sleep=2')" >"$TMP/a" &
clients+=($!)
wait "${clients[@]}"
[ "$(tr '\n' ' ' <"$TMP/d")" = "200 1 503 0 " ] ||
    fail "D: $(cat "$TMP/d") (expected 200 on a new connection, then 503 on it)"
[ "$(cat "$TMP/a")" = 200 ] || fail "A: $(cat "$TMP/a")"
grep -q 'shed GET / from 127.0.0.1: waited 8[0-9][0-9] ms, over --max-wait 800' "$TMP/err" ||
    fail "no shed line for D's second request"
grep -q 'processing request id\[2\]' "$TMP/err" && fail "D's second request ran"
ok "a keep-alive request shed from the FIFO after 0.8 s, its connection kept"
stop_server

# A client that connects ahead of its request has not waited: 3 clients
# connect, say nothing for 1.5 s, then ask, with 4 threads free and
# --max-wait 1000: all 3 are served.
start_server --threads 4 --max-wait 1000
python3 - "$PORT" "$TESTS_DIR" >"$TMP/pre" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[2])
import httpc
port = int(sys.argv[1])
socks = [httpc.connect(port) for _ in range(3)]
time.sleep(1.5)
for s in socks:
    s.sendall(httpc.request("/"))
print(" ".join(str(httpc.read_response(s).status) for s in socks))
PY
[ "$(cat "$TMP/pre")" = "200 200 200" ] ||
    fail "connected ahead, then asked: $(cat "$TMP/pre")"
grep -q ' shed ' "$TMP/err" && fail "a client that had not waited was shed"
ok "3 clients silent for 1.5 s after connecting, then asking: served, not shed (--max-wait 1000)"
stop_server

# Off by default: with 1 thread, 3 clients on /sleep/1 all wait their turn.
start_server --threads 1
clients=()
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 \
	    "$(url /sleep/1)" >"$TMP/off.$i" &
	clients+=($!)
done
wait "${clients[@]}"
[ "$(cat "$TMP"/off.* | sort | uniq -c | awk '{print $1, $2}')" = "3 200" ] ||
    fail "default: $(cat "$TMP"/off.*)"
grep -q ' shed ' "$TMP/err" && fail "shed without --max-wait"
ok "without --max-wait nothing is shed: 3 x 200 with 1 thread"
