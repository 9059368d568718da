#!/bin/bash
# The stats server: under a controlled overload (--threads 2 --listen 8,
# 12 slow clients) the JSON and /metrics report 2 in progress and the
# listen queue that ss reports, the "listen queue full" line is logged, and
# the stats answer while every worker thread is blocked.
. "$(dirname "$0")/lib.sh"

SPORT=$(free_port)
start_server --threads 2 --listen 8 --stats "127.0.0.1:$SPORT"
stats() {
	curl -s --max-time 5 "http://127.0.0.1:$SPORT$1"
}
stats /stats | grep -q '"in_progress":0' || fail "idle stats: $(stats /)"

$CLIENT --port "$PORT" --timeout 30 hold --count 12 --stagger 0.02 \
    --path '/?id={i}&sleep=3' >"$TMP/hold" &
HOLD=$!
wait_until 5 listen_queue_is "9 8" || fail "listen queue $(listen_queue)"
wait_until 5 processing_is 2 || fail "not 2 running"
ssq=$(listen_queue | cut -d' ' -f1)
json=$(stats /stats)
echo "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ssq = int(sys.argv[1])
assert d["in_progress"] == 2, d["in_progress"]
s = d["sockets"][0]
assert s["listen_queue"] == ssq, (s["listen_queue"], ssq)
assert s["listen_queue_max"] == 8, s
w = d["workers"][0]
assert w["status"] == "busy" and w["running"] == 2, w
uris = sorted(c["uri"] for c in w["cores"])
assert all(c["in_request"] for c in w["cores"]), w["cores"]
assert all(u.startswith("/?id=") and u.endswith("&sleep=3") for u in uris), uris
assert all(c["running_ms"] >= 0 for c in w["cores"])
' "$ssq" || fail "stats JSON: $json"
ok "JSON: 2 in progress, listen_queue $ssq = ss Recv-Q, the running URIs"

metrics=$(stats /metrics)
echo "$metrics" | grep -qx "poolserve_listen_queue{socket=\"127.0.0.1:$PORT\"} $ssq" ||
    fail "metrics listen_queue: $(echo "$metrics" | grep listen_queue)"
echo "$metrics" | grep -qx "poolserve_listen_queue_max{socket=\"127.0.0.1:$PORT\"} 8" ||
    fail "metrics listen_queue_max"
echo "$metrics" | grep -qx 'poolserve_requests_in_progress{worker="1"} 2' ||
    fail "metrics in progress"
echo "$metrics" | python3 "$TESTS_DIR/check_metrics.py" >"$TMP/check" ||
    fail "metrics format: $(cat "$TMP/check")"
ok "/metrics: the same figures, strictly well-formed ($(cat "$TMP/check"))"
if command -v promtool >/dev/null 2>&1; then
	echo "$metrics" | promtool check metrics >"$TMP/prom" 2>&1 ||
	    fail "promtool check metrics: $(cat "$TMP/prom")"
	[ -s "$TMP/prom" ] && fail "promtool lint: $(cat "$TMP/prom")"
	ok "promtool check metrics accepts /metrics without a lint warning"
fi

: "${POOLSTAT:=$TESTS_DIR/../poolserve-stat}"
"$POOLSTAT" --once "127.0.0.1:$SPORT" >"$TMP/once" || fail "poolserve-stat --once"
grep -q '^requests [0-9]* .* in progress 2/2 ' "$TMP/once" || fail "$(cat "$TMP/once")"
grep -q "^listen queue 127.0.0.1:$PORT 9/8$" "$TMP/once" || fail "$(cat "$TMP/once")"
[ "$(grep -c '^  1 w1c[01] *busy .*GET /?id=[0-9]*&sleep=3$' "$TMP/once")" = 2 ] ||
    fail "poolserve-stat cores: $(cat "$TMP/once")"
ok "poolserve-stat --once shows 2 in progress, 9/8 waiting, the running URIs"

wait_until 3 grep -q "\*\*\* listen queue of socket \"127.0.0.1:$PORT\" full !!! (9/8) \*\*\* new clients wait in SYN retry: raise --listen (8) to the clients expected at once$" "$TMP/err" ||
    fail "no 'listen queue full' line naming --listen: $(grep 'listen queue' "$TMP/err" | head -n 1)"
ok "the full listen queue is logged, with what to raise"

wait "$HOLD"
grep -q '"status": {"200": 12}' "$TMP/hold" || fail "$(cat "$TMP/hold")"
m=$(stats /metrics)
echo "$m" | grep -qx 'poolserve_requests_total{worker="1",status="2xx"} 12' ||
    fail "requests_total: $(echo "$m" | grep requests_total)"
echo "$m" | grep -qx 'poolserve_request_duration_seconds_count{worker="1"} 12' ||
    fail "duration count"
echo "$m" | grep -q 'poolserve_listen_queue_full_total{socket="127.0.0.1:'"$PORT"'"} [1-9]' ||
    fail "full count"
stats /stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = d["workers"][0]
assert d["requests"] == 12 and w["requests"] == 12, d
assert w["avg_rt"] >= 3000000, w["avg_rt"]
assert all(not c["in_request"] and c["last_status"] == 200 for c in w["cores"])
assert sum(c["requests"] for c in w["cores"]) == 12
' || fail "after the load: $(stats /)"
ok "counters after 12 requests: 2xx 12, durations, per-thread counts"

[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/nope")" = 404 ] ||
    fail "stats 404"

# poolserve-stat pointed at the --http port says it wants --stats
# stat_hint SUBSTRING ARGS...: exit 1, one line with it and the hint
stat_hint() {
	local want=$1 rc
	shift
	"$POOLSTAT" "$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	[ "$rc" = 1 ] || fail "poolserve-stat $*: exit $rc: $(cat "$TMP/e")"
	[ -s "$TMP/o" ] && fail "poolserve-stat $*: output $(cat "$TMP/o")"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "poolserve-stat $*: $(cat "$TMP/e")"
	grep -qF "$want" "$TMP/e" ||
	    fail "poolserve-stat $*: no '$want' in: $(cat "$TMP/e")"
	grep -qF "is this poolserve's --http port? poolserve-stat reads the --stats address" \
	    "$TMP/e" || fail "poolserve-stat $*: no hint in: $(cat "$TMP/e")"
}
stat_hint "poolserve-stat: 127.0.0.1:$PORT: HTTP status 404 Not Found (expected 200); " \
    --once "127.0.0.1:$PORT"
stop_server
mkdir "$TMP/www" && echo 'not a stats document' >"$TMP/www/stats"
start_server --static-map "/=$TMP/www"
stat_hint "bad JSON at byte 0: unexpected character (not a JSON response; " \
    --json "127.0.0.1:$PORT"
stop_server
ok "poolserve-stat at the --http port (a 404, a text file at /stats): one line, exit 1, the hint to use the --stats address"

# A reload: the retiring worker and its replacement have a thread table
# each.  The old worker's request ends while the new worker's thread runs
# one: /stats still shows the new one running, not the old one's end.
start_server --threads 1 --stats "127.0.0.1:$SPORT"
curl -s -o /dev/null --max-time 10 "$(url /sleep/1.5)" &
OLD=$!
sleep 0.3
old=$(worker_pids)
kill -HUP "$PID"
new_up() { [ -n "$(worker_pids | grep -vx "$old")" ]; }
wait_until 5 new_up || fail "no new worker after SIGHUP"
curl -s -o /dev/null --max-time 10 "$(url /sleep/3)" &
NEW=$!
wait "$OLD"
sleep 0.3
stats / | python3 -c '
import json, sys
w = json.load(sys.stdin)["workers"][0]
c = w["cores"][0]
assert c["in_request"] and c["uri"] == "/sleep/3", c
' || fail "after the old worker ended its request: $(stats /)"
wait "$NEW"
stop_server
ok "a reload: the old worker ending its request leaves the new worker's thread shown running"

"$POOLSERVE" --check --stats 0.0.0.0:9191 >/dev/null 2>"$TMP/e"
[ $? = 64 ] || fail "--stats 0.0.0.0 without --stats-allow-remote"
grep -q -- '--stats: 0.0.0.0:9191 is not a loopback address' "$TMP/e" || fail "$(cat "$TMP/e")"
"$POOLSERVE" --check --stats :9191 --stats-allow-remote >/dev/null ||
    fail "--stats-allow-remote"
"$POOLSERVE" --check --stats '[::1]:9191' >/dev/null || fail "--stats [::1]"
ok "--stats is loopback-only unless --stats-allow-remote"
