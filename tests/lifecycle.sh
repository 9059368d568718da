#!/bin/bash
# The lifecycle an operator drives: SIGTERM finishes what runs and refuses
# the rest, SIGINT stops at once, SIGHUP replaces the workers without
# losing a request under load, --max-requests recycles, SIGUSR1 reopens
# the access log.
. "$(dirname "$0")/lib.sh"

# SIGTERM: the two running requests finish; a new client is refused.
start_server --threads 2
for i in 1 2; do
	curl -s -o "$TMP/r$i" -w '%{http_code}' --max-time 10 \
	    "$(url "/?id=$i&sleep=1.5")" >"$TMP/s$i" &
done
wait_until 5 processing_is 2 || fail "not 2 running"
MASTER=$PID
kill -TERM "$MASTER"
sleep 0.3
curl -s -o /dev/null --max-time 3 "$(url /)"
rc=$?
[ "$rc" = 7 ] || fail "a client after SIGTERM: curl exit $rc, expected 7 (refused)"
wait "$MASTER"
rc=$?
PID=
[ "$rc" = 0 ] || fail "master exit $rc"
wait
for i in 1 2; do
	[ "$(cat "$TMP/s$i")" = 200 ] && [ "$(cat "$TMP/r$i")" = "hello #$i" ] ||
	    fail "request $i: $(cat "$TMP/s$i") $(cat "$TMP/r$i")"
done
grep -q 'worker 1: SIGTERM: retiring, 2 requests running' "$TMP/err" ||
    fail "no retiring line"
ok "SIGTERM: in-flight requests finish (200), new clients refused, exit 0"

# stop_running SIGNAL [OPTIONS...]: a 1-thread server (and OPTIONS)
# running a 5 s request gets SIGNAL; its master must exit 0.  Sets
# ELAPSED, the seconds from the signal to the exit.
stop_running() {
	local sig=$1 t0 rc
	shift
	start_server --threads 1 "$@"
	curl -s -o /dev/null --max-time 10 "$(url '/?id=1&sleep=5')" &
	wait_until 5 processing_is 1 || fail "not running"
	t0=$(date +%s)
	kill "-$sig" "$PID"; wait "$PID"; rc=$?; PID=
	[ "$rc" = 0 ] || fail "SIG$sig: exit $rc"
	ELAPSED=$(($(date +%s) - t0))
	wait
}

# --shutdown-timeout bounds the wait.
stop_running TERM --shutdown-timeout 1
[ "$ELAPSED" -le 3 ] || fail "--shutdown-timeout 1 not honoured"
grep -q -- '--shutdown-timeout reached with 1 request running' "$TMP/err" ||
    fail "no timeout line"
ok "--shutdown-timeout 1 ends the drain after a second"

# SIGINT: at once.
stop_running INT
[ "$ELAPSED" -le 1 ] || fail "SIGINT was not immediate"
ok "SIGINT stops at once"

# SIGHUP under continuous load: not one request lost, new workers.
start_server --processes 2 --threads 4 --disable-logging
old=$(worker_pids | tr '\n' ' ')
if command -v hey >/dev/null 2>&1; then
	hey -z 4s -c 8 "$(url /)" >"$TMP/hey1" &
	H1=$!
	hey -z 4s -c 8 -disable-keepalive "$(url /hit)" >"$TMP/hey2" &
	H2=$!
	for i in 1 2 3; do sleep 1; kill -HUP "$PID"; done
	wait "$H1" "$H2"
	for f in hey1 hey2; do
		grep -q 'Error distribution' "$TMP/$f" &&
		    fail "requests lost in $f: $(sed -n '/Error distribution/,$p' "$TMP/$f")"
		n=$(sed -n 's/^ *\[200\][[:space:]]*\([0-9]*\) responses/\1/p' "$TMP/$f")
		other=$(grep -c '^ *\[[0-9]*\][[:space:]]' "$TMP/$f")
		[ -n "$n" ] && [ "$n" -gt 100 ] && [ "$other" = 1 ] ||
		    fail "$f: $(grep -A3 'Status code' "$TMP/$f")"
		echo "$f: $n responses, all 200"
	done
	hits=$(sed -n 's/^ *\[200\][[:space:]]*\([0-9]*\) responses/\1/p' "$TMP/hey2")
	[ "$(get /hit)" = $((hits + 1)) ] ||
	    fail "/hit counted $(cat "$TMP/body") for $hits answered requests"
	ok "3 reloads under keep-alive and per-request load: 0 errors, /hit exact"
else
	for i in 1 2 3; do sleep 1; kill -HUP "$PID"; done
	echo "hey is not installed: reload checked without load"
fi
six_retired() { [ "$(grep -c 'retired, status 0' "$TMP/err")" -ge 6 ]; }
wait_until 5 six_retired ||
    fail "old workers did not retire"
new=$(worker_pids | tr '\n' ' ')
[ "$(echo "$new" | wc -w)" = 2 ] || fail "workers after reload: $new"
for p in $old; do
	echo " $new " | grep -q " $p " && fail "old worker $p still serves"
done
expect_status 200 /
ok "SIGHUP replaced every worker"
stop_server

# --max-requests: a worker retires after N requests and is replaced.
start_server --threads 2 --max-requests 20
first=$(worker_pids)
$CLIENT --port "$PORT" hold --count 100 --stagger 0.005 --path / >"$TMP/mr"
grep -q '"status": {"200": 100}' "$TMP/mr" || fail "$(cat "$TMP/mr")"
n=$(grep -c 'retiring' "$TMP/err")
[ "$n" -ge 3 ] || fail "$n retirements for 100 requests at --max-requests 20"
grep -q 'worker 1: --max-requests reached: retiring' "$TMP/err" || fail "no line"
replaced() { [ -n "$(worker_pids)" ] && [ "$(worker_pids)" != "$first" ]; }
wait_until 5 replaced || fail "the worker was not replaced"
grep -q 'giving up' "$TMP/err" && fail "counted as crashes"
ok "--max-requests 20: 100 requests answered by $((n + 1)) successive workers"
stop_server

# --max-requests 1: every request retires its worker.  All are answered,
# and the master replaces a worker no sooner than 100 ms after its start,
# so 20 requests take at least about 19 x 100 ms: it cannot fork in a loop.
start_server --threads 1 --max-requests 1
t0=$(date +%s%N)
for i in $(seq 1 20); do
	expect_status 200 /hit
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 1700 ] || fail "20 one-request workers in $ms ms: respawned without delay"
grep -q 'giving up' "$TMP/err" && fail "counted as crashes"
ok "--max-requests 1: 20 requests answered in $ms ms by successive workers (at most one fork per 100 ms)"
stop_server

# SIGUSR1 reopens the access log (logrotate).
start_server --threads 1 --access-log "$TMP/access.log"
get /hit >/dev/null
mv "$TMP/access.log" "$TMP/access.log.1"
kill -USR1 "$PID"
sleep 0.3
get /hit >/dev/null
wait_until 3 test -s "$TMP/access.log" || fail "no new access.log"
[ "$(wc -l <"$TMP/access.log.1")" = 1 ] && [ "$(wc -l <"$TMP/access.log")" = 1 ] ||
    fail "lines: $(wc -l "$TMP"/access.log*)"
ok "SIGUSR1: the access log is reopened"

# Retiring closes idle keep-alive connections at once (shut down, not
# timed out) while a long request still runs to its end.
start_server --threads 2
python3 - "$PORT" >"$TMP/idle" <<'PY' &
import sys, time, httpc
s = httpc.connect(int(sys.argv[1]))
s.sendall(httpc.request("/"))
httpc.read_response(s)

print("idle")
sys.stdout.flush()
t = time.monotonic()
d = s.recv(4096)
print("closed" if d == b"" else "data", round(time.monotonic() - t, 2))
PY
IDLE=$!
curl -s -D "$TMP/slowh" -o /dev/null --max-time 10 "$(url '/?id=9&sleep=3')" &
SLOW=$!
wait_until 5 processing_is 1 || fail "slow request not running"
wait_until 5 grep -q idle "$TMP/idle" || fail "idle client not ready"
t0=$(date +%s%N)
kill -TERM "$PID"
wait "$IDLE"
read -r what secs < <(tail -n 1 "$TMP/idle")
[ "$what" = closed ] || fail "idle keep-alive connection: $(cat "$TMP/idle")"
wait "$SLOW"
head -n 1 "$TMP/slowh" | grep -q ' 200 ' || fail "the long request: $(cat "$TMP/slowh")"
grep -qi '^Connection: close' "$TMP/slowh" || fail "no Connection: close"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 2000 ] || fail "the drain did not wait"
# at once: well under the one-second timeout that closes the others
awk -v s="$secs" 'BEGIN { exit !(s < 0.8) }' || fail "idle closed after $secs s"
wait "$PID"; PID=
ok "on SIGTERM an idle keep-alive connection is closed (${secs} s) while a long request finishes (200, Connection: close)"

# SIGHUP reads the --config file again; the new workers use it.
printf 'threads = 2\nmax-body-size = 1000\n' >"$TMP/reload.conf"
start_server --config "$TMP/reload.conf"
expect_status 200 /echo -X POST --data-binary '[1,2,3,4,5,6,7,8,9,10]'
printf 'threads = 2\nmax-body-size = 10\n' >"$TMP/reload.conf"
kill -HUP "$PID"
wait_until 5 grep -q 'old worker (pid [0-9]*) retired' "$TMP/err" || fail "no reload"
expect_status 413 /echo -X POST --data-binary '[1,2,3,4,5,6,7,8,9,10]'
ok "SIGHUP re-reads --config: the new workers take max-body-size 10"
printf 'threads = 0\n' >"$TMP/reload.conf"
kill -HUP "$PID"
wait_until 5 grep -q 'SIGHUP: .*reload.conf:1: --threads: "0" is not a whole number in the range 1 to 4096; keeping the running configuration' "$TMP/err" ||
    fail "bad file on reload: $(tail -n 3 "$TMP/err")"
printf 'threads = 3\nmax-body-size = 10\n' >"$TMP/reload.conf"
kill -HUP "$PID"
wait_until 5 grep -q 'SIGHUP: --threads changes only with a restart: kept' "$TMP/err" ||
    fail "threads change not reported (alone): $(grep 'only with a restart' "$TMP/err")"
expect_status 413 /echo -X POST --data-binary '[1,2,3,4,5,6,7,8,9,10]'
[ "$(task_count "$(worker_pids | tail -n 1)")" = 3 ] || fail "threads changed without restart"
ok "a bad file keeps the running configuration; a threads change waits for a restart"

# SIGTTIN and SIGTTOU: one worker more, one fewer (never below one).
stop_server
SPORT=$(free_port)
start_server --processes 1 --threads 1 --stats "127.0.0.1:$SPORT"
workers_are() {
	[ "$(pgrep -P "$PID" | wc -l)" = "$1" ]
}
# (signals of one kind sent back to back may merge: wait between them)
kill -TTIN "$PID"
wait_until 5 workers_are 2 || fail "SIGTTIN: $(pgrep -P "$PID" | wc -l) workers"
kill -TTIN "$PID"
wait_until 5 workers_are 3 || fail "SIGTTIN: $(pgrep -P "$PID" | wc -l) workers"
grep -q 'SIGTTIN: 3 workers' "$TMP/err" || fail "no SIGTTIN line"
curl -s "http://127.0.0.1:$SPORT/stats" | grep -q '"processes":3,' || fail "stats: not 3"
$CLIENT --port "$PORT" hold --count 6 --path '/?id={i}&sleep=0.5' >"$TMP/three"
grep -q '"status": {"200": 6}' "$TMP/three" || fail "$(cat "$TMP/three")"
[ "$(grep -o 'processing request id\[[0-9]\], sleeping' "$TMP/err" | wc -l)" = 6 ] || fail "6 runs"
pids=$(grep 'processing request id\[' "$TMP/err" | sed 's/.* - \([0-9]*\)-w.*/\1/' | sort -u | wc -l)
[ "$pids" = 3 ] || fail "requests ran in $pids processes, expected 3"
kill -TTOU "$PID"
wait_until 5 workers_are 2 || fail "SIGTTOU: $(pgrep -P "$PID" | wc -l) workers"
kill -TTOU "$PID"
wait_until 5 workers_are 1 || fail "SIGTTOU: $(pgrep -P "$PID" | wc -l) workers"
kill -TTOU "$PID"
wait_until 5 workers_are 1 || fail "SIGTTOU: $(pgrep -P "$PID" | wc -l) workers"
wait_until 3 grep -q 'SIGTTOU: already down to 1 worker' "$TMP/err" || fail "no floor"
curl -s "http://127.0.0.1:$SPORT/stats" | grep -q '"processes":1,' || fail "stats: not 1"
grep -q 'respawned' "$TMP/err" && fail "a retired worker was respawned"
expect_status 200 /
ok "SIGTTIN x2: 3 workers serving; SIGTTOU x3: back to 1, never fewer"
