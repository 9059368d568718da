#!/bin/bash
# kill -9 of a worker under load: the master logs it and starts a new
# worker (a new pid, respawn_count 1); the only requests that fail are the
# ones the dead worker had in flight, as its statistics showed an instant
# before the kill.  Every other request, before, during and after, is 200.
#
# Load: 12 clients, each one request after another, Connection: close, on
# /sleep/0.3 (a known duration), against 2 workers x 4 threads: both
# workers run 4 requests and 4 clients wait in the listen backlog, which
# belongs to the master's socket and loses nothing when a worker dies.
. "$(dirname "$0")/lib.sh"

SPORT=$(free_port)
start_server --processes 2 --threads 4 --stats "127.0.0.1:$SPORT"

python3 - "$PORT" "$SPORT" >"$TMP/load" <<'EOF' || fail "load client: $(cat "$TMP/load")"
import json, os, signal, sys, threading, time, urllib.request, httpc
port, sport = int(sys.argv[1]), int(sys.argv[2])
CLIENTS, SECONDS, KILL_AT = 12, 5.0, 2.5
lock = threading.Lock()
ok, failed, errors = 0, 0, []
start = time.monotonic()

def one():
    r = httpc.exchange(port, httpc.request("/sleep/0.3",
                       headers=[("Connection", "close")]), timeout=15)
    if r is None or r.status != 200 or not r.body.startswith(b"slept 0.3 s"):
        raise IOError("bad answer %r" % (r and (r.line, r.body[:40])))

def client():
    global ok, failed
    while time.monotonic() - start < SECONDS:
        try:
            one()
            with lock:
                ok += 1
        except (OSError, IOError) as e:
            with lock:
                failed += 1
                errors.append("%.2f %s" % (time.monotonic() - start, e))

threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
for t in threads:
    t.start()
time.sleep(KILL_AT)
doc = json.load(urllib.request.urlopen("http://127.0.0.1:%d/" % sport,
                                       timeout=5))
w = doc["workers"][0]
os.kill(w["pid"], signal.SIGKILL)
for t in threads:
    t.join()
print(json.dumps({"ok": ok, "failed": failed, "errors": errors,
                  "killed": w["pid"], "running": w["running"],
                  "waiting": w["waiting"], "connections": w["connections"]}))
EOF
field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
	    "$TMP/load" "$1"
}
killed=$(field killed); failed=$(field failed); okn=$(field ok)
running=$(field running); waiting=$(field waiting); conns=$(field connections)
echo "# before the kill worker 1 (pid $killed): running $running, waiting $waiting, connections $conns"
echo "# load: $okn answered 200, $failed failed: $(field errors | cut -c1-300)"
[ "$running" = 4 ] || fail "worker 1 was not saturated before the kill ($running running)"
[ "$okn" -ge 60 ] || fail "only $okn requests answered in 5 s"
# A connection accepted an instant before the kill, not yet parsed, is in
# flight too: it shows in connections, not in running.
[ "$failed" -ge $(( running + waiting )) ] && [ "$failed" -le "$conns" ] ||
    fail "$failed requests failed; in flight at the kill: running $running + waiting $waiting, connections $conns"
ok "kill -9 under load: $failed failed, in flight $(( running + waiting )) requests on $conns connections; $okn others answered 200"

wait_until 5 grep -q "worker 1 (pid $killed) killed by signal 9" "$TMP/err" ||
    fail "no 'killed by signal 9' line"
wait_until 5 grep -q "worker 1 respawned (pid" "$TMP/err" || fail "no 'respawned' line"
newpid=$(sed -n 's/.*worker 1 respawned (pid \([0-9]*\).*/\1/p' "$TMP/err" | head -n 1)
[ -n "$newpid" ] && [ "$newpid" != "$killed" ] && kill -0 "$newpid" ||
    fail "respawned pid '$newpid' (killed $killed)"
doc=$(curl -s --max-time 5 "http://127.0.0.1:$SPORT/")
echo "$doc" | python3 -c '
import json, sys
w = json.load(sys.stdin)["workers"][0]
sys.exit(0 if w["pid"] == int(sys.argv[1]) and w["respawn_count"] == 1 and
         w["status"] != "dead" else 1)' "$newpid" ||
    fail "stats do not show worker 1 respawned as $newpid: $doc"
ok "worker 1 respawned as pid $newpid (logged, respawn_count 1 in the stats)"
[ "$(worker_pids | wc -l)" = 2 ] || fail "not 2 workers after the respawn"
expect_status 200 /sleep/0.1
ok "serving after the respawn"
stop_server || fail "poolserve did not stop cleanly"
exit 0
