#!/bin/bash
# A corpus of malformed and hostile requests (tests/malformed/corpus), each
# sent raw on its own connection: every one gets the status or the close
# the corpus names, the rejections are logged, and afterwards the server
# still answers normal requests with the same worker processes.
. "$(dirname "$0")/lib.sh"

start_server --processes 2 --threads 4 --max-header-size 4096 \
    --max-body-size 1024 --read-timeout 1 --keepalive-timeout 10
before=$(worker_pids | tr '\n' ' ')
[ "$(echo $before | wc -w)" = 2 ] || fail "2 workers expected: $before"

python3 "$TESTS_DIR/rawclient.py" --port "$PORT" --log "$TMP/err" \
    "$TESTS_DIR/malformed/corpus" >"$TMP/corpus.out" 2>&1
rc=$?
cat "$TMP/corpus.out"
[ $rc = 0 ] || fail "$(grep -c '^FAIL' "$TMP/corpus.out") corpus entries failed"
n=$(grep -c '^ok ' "$TMP/corpus.out")
[ "$n" -ge 50 ] || fail "only $n corpus entries"
ok "$n malformed or hostile requests answered as the corpus says"

# Rejections poolserve makes are in the access log too, with their status.
grep -q '] BREW / => .*(HTTP/1.1 501) .*(thread -)$' "$TMP/err" ||
    fail "no access log line for the 501"
grep -q 'GET / => .*(HTTP/1.1 431)' "$TMP/err" ||
    fail "no access log line for the 431"
# libmicrohttpd's own messages are rewritten: no raw ones are left.
! grep -q 'libmicrohttpd: Error processing request' "$TMP/err" ||
    fail "raw libmicrohttpd error lines in the log"
ok "rejections logged: an error-log line each, access lines for poolserve's"

# Still serving, same workers, none crashed or replaced.
expect_status 200 /
[ "$(get /)" = "Hello, world!" ] || fail "GET / after the corpus"
expect_status 200 /echo -X POST --data-binary '[1,2,3]'
seq=$($CLIENT --port "$PORT" seq --count 5)
[ "$seq" = "200 200 200 200 200 same-connection" ] ||
    fail "keep-alive after the corpus: $seq"
after=$(worker_pids | tr '\n' ' ')
[ "$after" = "$before" ] || fail "workers changed: $before -> $after"
died='respawn|exited|killed|signal [0-9]|assert|panic'
! grep -Eqi "$died" "$TMP/err" ||
    fail "a worker died: $(grep -Ei "$died" "$TMP/err" | head -3)"
kill -0 "$PID" || fail "the master is gone"
ok "after it: 200 on new and keep-alive connections, same workers $after"

stop_server || fail "poolserve exited non-zero"
exit 0
