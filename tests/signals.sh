#!/bin/bash
# SIGTERM and SIGINT stop every worker and the master exits 0; a client
# that goes away mid-response (SIGPIPE) does not hurt the worker.
. "$(dirname "$0")/lib.sh"

for sig in TERM INT QUIT; do
	start_server --processes 2 --threads 2
	W=$(worker_pids)
	kill -"$sig" "$PID"
	wait "$PID"
	rc=$?
	PID=
	[ "$rc" = 0 ] || fail "SIG$sig: master exited $rc"
	for w in $W; do
		kill -0 "$w" 2>/dev/null && fail "SIG$sig: worker $w still runs"
	done
	grep -q 'stopped' "$TMP/err" || fail "SIG$sig: no 'stopped' line"
	ok "SIG$sig: workers stopped, master exited 0"
done

# Workers do not outlive a master killed outright.
start_server --processes 2 --threads 1
W=$(worker_pids)
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
for w in $W; do
	wait_until 5 sh -c "! kill -0 $w 2>/dev/null" ||
	    fail "worker $w outlived the master"
done
ok "workers exit when the master dies"

# SIGPIPE: clients that vanish before a large answer is written.
start_server --threads 2
big=$(head -c 200000 /dev/zero | tr '\0' '1')
printf '[%s]' "$big" >"$TMP/big.json"
for i in 1 2 3 4 5; do
	curl -s --max-time 0.001 -X POST --data-binary @"$TMP/big.json" \
	    "$(url /echo)" >/dev/null 2>&1
done
python3 - "$PORT" "$TMP/big.json" <<'PY'
import sys, httpc
body = open(sys.argv[2], "rb").read()
for i in range(5):
    s = httpc.connect(int(sys.argv[1]))
    s.sendall(httpc.request("/echo", "POST", body=body))
    httpc.reset(s)
PY
expect_status 200 /
grep -q 'killed by signal' "$TMP/err" && fail "a worker died"
ok "clients vanishing mid-response leave the worker running"
