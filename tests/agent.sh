#!/bin/bash
# --agent: the line for HAProxy's agent-check, "PCT% maxconn:N" with N the
# threads of the live workers:
#   - idle and with every thread busy: the same line (capacity, not free
#     threads), answered at once while the pool is full
#   - SIGTTOU / SIGTTIN: maxconn follows the number of workers
#   - a worker dead and waiting for its respawn: its threads are out
#   - a bad --agent: exit 64 naming the option
. "$(dirname "$0")/lib.sh"

# agent_line: one connection to the agent, its line (empty on failure)
agent_line() {
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
	    IFS= read -r l <&3 && printf "%s\n" "$l"' _ "$APORT" 2>/dev/null
}

agent_is() {
	[ "$(agent_line)" = "$1" ]
}

# bad values
for bad in nope 127.0.0.1:70000 unix:/tmp/agent.sock; do
	"$POOLSERVE" --agent "$bad" --check >"$TMP/o" 2>&1
	rc=$?
	[ "$rc" = 64 ] || fail "--agent $bad: exit $rc, expected 64"
	grep -q -- '--agent' "$TMP/o" || fail "--agent $bad: $(cat "$TMP/o")"
done
ok "a bad --agent exits 64 naming the option"

start_server --processes 2 --threads 3 --agent 127.0.0.1:0 --stats 127.0.0.1:0
APORT=$(sed -n 's/.*agent-check answers on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$TMP/err" | head -n 1)
SPORT=$(sed -n 's|.*stats on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' \
    "$TMP/err" | head -n 1)
[ -n "$APORT" ] && [ -n "$SPORT" ] || fail "no agent or stats port in the log"
line=$(agent_line)
[ "$line" = "100% maxconn:6" ] || fail "idle: agent said \"$line\""
ok "idle: \"$line\""

# in_progress: requests running now, from the statistics
in_progress() {
	curl -s --max-time 2 "http://127.0.0.1:$SPORT/stats" |
	    sed -n 's/^{[^[]*"in_progress":\([0-9]*\).*/\1/p'
}

# every thread busy, 3 more waiting: the same line, at once
clients=
for _ in $(seq 1 9); do
	curl -s -o /dev/null --max-time 20 "$(url /sleep/3)" &
	clients="$clients $!"
done
wait_until 5 eval '[ "$(in_progress)" = 6 ]' ||
    fail "6 requests not in progress: $(in_progress)"
t0=$(date +%s%N)
line=$(agent_line)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$line" = "100% maxconn:6" ] || fail "6 of 6 threads busy: agent said \"$line\""
[ "$ms" -lt 1000 ] || fail "the agent took $ms ms with every thread busy"
ok "every thread busy: \"$line\" in $ms ms"
# shellcheck disable=SC2086
wait $clients

# one worker fewer, then back
kill -TTOU "$PID"
wait_until 5 agent_is "100% maxconn:3" ||
    fail "after SIGTTOU: agent said \"$(agent_line)\", expected 100% maxconn:3"
ok "SIGTTOU: \"100% maxconn:3\""
kill -TTIN "$PID"
wait_until 5 agent_is "100% maxconn:6" ||
    fail "after SIGTTIN: agent said \"$(agent_line)\""
ok "SIGTTIN: \"100% maxconn:6\""

# A worker killed as soon as it starts, four times: after quick deaths the
# master waits 100, 200, then 400 ms before the next fork, and meanwhile
# that worker's threads are out.
victim=$(worker_pids | tail -n 1)
keep=$(worker_pids | grep -vx "$victim")
killed=
for n in 1 2 3 4; do
	kill -KILL "$victim"
	killed="$killed $victim"
	[ "$n" = 4 ] && break
	victim=
	for _ in $(seq 1 200); do
		victim=$(worker_pids | grep -vxF "$keep" |
		    grep -vxF -f <(printf '%s\n' $killed) | head -n 1)
		[ -n "$victim" ] && break
		sleep 0.01
	done
	[ -n "$victim" ] || fail "worker not respawned after kill $n"
done
wait_until 2 agent_is "50% maxconn:3" ||
    fail "a worker waiting for its respawn: agent said \"$(agent_line)\""
ok "a dead worker waiting for its respawn: \"50% maxconn:3\""
wait_until 5 agent_is "100% maxconn:6" ||
    fail "after the respawn: agent said \"$(agent_line)\""
ok "respawned: \"100% maxconn:6\""
grep -q 'giving up' "$TMP/err" && fail "the master gave up on the worker"

stop_server || fail "poolserve exited with $? on SIGTERM"
ss -Hltn "sport = :$APORT" | grep -q . && fail "the agent port is still open"
ok "SIGTERM: the agent's port closed with the master"
