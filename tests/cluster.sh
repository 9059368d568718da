#!/bin/bash
# Several poolserve hosts behind HAProxy, each host a network namespace
# (bench/cluster/lib.sh), with the shipped share/haproxy-poolserve.cfg:
# 3 hosts x 1 process x 4 threads, GET /sleep/0.2 from 30 clients.
#   - per-host counts within 10%, host backlogs near 0 while HAProxy's
#     queue holds the waiting requests (maxconn = P x T)
#   - a rolling SIGHUP of every host under load: 0 failed requests
#   - SIGKILL of one host's master under load: 0 failed GET requests; the
#     host, started again, is UP within seconds and takes its share
#   - agent-check: HAProxy started with maxconn 50 on every server takes
#     each host's maxconn from its --agent line (4)
# Needs root (namespaces), haproxy and hey; skipped (77) otherwise.  ~30 s.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (ip netns, veth, a bridge)"
need haproxy hey ip
ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"

# The cluster library adds --allow-root itself: the real binary.
POOLSERVE=$POOLSERVE_BIN
# shellcheck source=../bench/cluster/lib.sh
. "$TESTS_DIR/../bench/cluster/lib.sh"
trap 'cl_down; cleanup' EXIT
# A namespace that cannot be made (a container without CAP_SYS_ADMIN): skip.
if ! ip netns add "$CL_NS-probe" 2>/dev/null; then
	skip "cannot create a network namespace here"
fi
ip netns del "$CL_NS-probe"

HOSTS=3 CLIENTS=30 NREQ=300 SLEEP=0.2
cl_up "$HOSTS" --processes 1 --threads 4 2>"$TMP/up.err" ||
    fail "the cluster did not come up: $(cat "$TMP/up.err")"
cl_haproxy 2>"$TMP/lb.err" || fail "HAProxy did not start: $(cat "$TMP/lb.err")"
ok "3 hosts x 1x4 up, HAProxy sees them UP"

# failed OUT N: failed requests of a hey run
failed() {
	cl_hey_result "$1" "$2" | awk '{ print $4 }'
}

# 1. shares and queues
before=$(cl_counts)
cl_hey "$TMP/hey1" "$NREQ" "$CLIENTS" "/sleep/$SLEEP" &
hey=$!
sleep 2
maxb=0 hq=0
for _ in 1 2 3 4; do
	for i in 1 2 3; do
		b=$(cl_backlog "$i")
		[ "${b:-0}" -gt "$maxb" ] && maxb=$b
	done
	q=$(cl_haproxy_queue)
	[ "$q" -gt "$hq" ] && hq=$q
	sleep 0.3
done
wait "$hey"
spread=$(cl_spread "$before" "$(cl_counts)")
f=$(failed "$TMP/hey1" "$NREQ")
[ "$f" -eq 0 ] || fail "$f of $NREQ requests failed: $(tail -n 15 "$TMP/hey1")"
awk -v s="${spread##* }" 'BEGIN { exit !(s <= 10) }' ||
    fail "per-host counts ${spread% *} differ by ${spread##* }% (> 10%)"
ok "per-host counts ${spread% *}, within ${spread##* }%"
[ "$maxb" -le 2 ] || fail "a host's listen backlog reached $maxb with maxconn"
[ "$hq" -ge 5 ] || fail "HAProxy's queue held at most $hq requests (expected ~18)"
ok "host backlogs at most $maxb, HAProxy queue up to $hq"

# 2. rolling SIGHUP under load
cl_hey "$TMP/hey2" 360 "$CLIENTS" "/sleep/$SLEEP" &
hey=$!
sleep 1
for i in 1 2 3; do
	cl_signal "$i" HUP
	sleep 1.5
done
wait "$hey"
f=$(failed "$TMP/hey2" 360)
[ "$f" -eq 0 ] || fail "rolling SIGHUP: $f of 360 requests failed: $(tail -n 15 "$TMP/hey2")"
ok "rolling SIGHUP of 3 hosts under load: 0 of 360 failed"

# 3. SIGKILL of host 2's master under load, then started again
cl_hey "$TMP/hey3" 360 "$CLIENTS" "/sleep/$SLEEP" &
hey=$!
sleep 1.5
cl_signal 2 KILL
sleep 1.5
[ "$(cl_haproxy_status 2)" = DOWN ] ||
    fail "HAProxy has host 2 $(cl_haproxy_status 2) 1.5 s after SIGKILL"
cl_start_host 2
cl_wait_host 2
t0=$SECONDS
wait_until 5 eval '[ "$(cl_haproxy_status 2)" = UP ]' ||
    fail "host 2 not UP in HAProxy 5 s after its restart: $(cl_haproxy_status 2)"
up=$((SECONDS - t0))
wait "$hey"
f=$(failed "$TMP/hey3" 360)
[ "$f" -eq 0 ] || fail "SIGKILL: $f of 360 GET requests failed: $(tail -n 15 "$TMP/hey3")"
ok "SIGKILL of host 2's master under load: 0 of 360 failed; UP again within $((up + 1)) s of its restart"
before=$(cl_counts)
cl_hey "$TMP/hey4" 240 "$CLIENTS" "/sleep/$SLEEP"
spread=$(cl_spread "$before" "$(cl_counts)")
f=$(failed "$TMP/hey4" 240)
[ "$f" -eq 0 ] || fail "$f of 240 requests failed after the restart"
awk -v s="${spread##* }" 'BEGIN { exit !(s <= 10) }' ||
    fail "after the restart, per-host counts ${spread% *} differ by ${spread##* }%"
ok "after the restart, per-host counts ${spread% *}"

# 4. the agent: a wrong maxconn on the server lines, corrected by the hosts
cl_haproxy maxconn=50 2>"$TMP/lb.err" ||
    fail "HAProxy did not start: $(cat "$TMP/lb.err")"
wait_until 5 eval '[ "$(cl_haproxy_maxconns)" = "4 4 4" ]' ||
    fail "HAProxy's maxconn per server $(cl_haproxy_maxconns), expected 4 4 4 from the agents"
ok "agent-check: maxconn 50 in the config, 4 4 4 from the hosts' agents"
