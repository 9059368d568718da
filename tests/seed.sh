#!/bin/bash
# The seed experiment at its own scale: --threads 10 --listen 128 and 300
# slow clients: 10 in progress, 129 in the accept queue (Recv-Q 129 /
# Send-Q 128), 139 established on the server side, the other 161 clients
# in SYN retry, and still 11 threads in the worker.
. "$(dirname "$0")/lib.sh"

start_server --threads 10 --listen 128
$CLIENT --port "$PORT" --timeout 5 hold --count 300 --stagger 0.005 \
    --path '/?id={i}&sleep=6' >"$TMP/hold" &
wait_until 8 listen_queue_is "129 128" ||
    fail "listen queue '$(listen_queue)', expected 129 128"
wait_until 4 syn_retry_is 161	# all 300 have started after 1.5 s
[ "$(listen_queue)" = "129 128" ] || fail "listen queue moved: $(listen_queue)"
ok "ss -lnt: Recv-Q 129, Send-Q 128"
[ "$(processing_count)" = 10 ] || fail "$(processing_count) in progress"
est=$(ss -Htn state established "sport = :$PORT" | wc -l)
[ "$est" = 139 ] || fail "$est established on the server side, expected 139"
syn=$(syn_retry)
[ "$syn" = 161 ] || fail "$syn clients in SYN retry, expected 161"
ok "10 in progress + 129 waiting = 139 established, 161 in SYN retry"
[ "$(task_count "$(worker_pids)")" = 11 ] || fail "thread count changed"
ok "the worker still has 10 + 1 threads"
