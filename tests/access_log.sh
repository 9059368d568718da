#!/bin/bash
# The uWSGI-style access line, its destinations, and escaping.
. "$(dirname "$0")/lib.sh"

start_server --threads 2
get '/?id=1' -H 'X-Test: abc' >/dev/null
line=$(grep 'GET /?id=1 ' "$TMP/err")
re='^\[pid: [0-9]+\|app: 0\|req: 1/1\] 127\.0\.0\.1 \(\) \{4 vars in [0-9]+ bytes\} '
re+='\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}\] GET /\?id=1 => '
re+='generated 9 bytes in [0-9]+ msecs \(HTTP/1\.1 200\) 3 headers in [0-9]+ bytes \(thread w1c[01]\)$'
echo "$line" | grep -Eq "$re" || fail "access line: $line"
ok "access line format"

get '/?id=2&sleep=1.2' >/dev/null
grep -Eq 'GET /\?id=2&sleep=1.2 => generated 9 bytes in 1[0-9]{3} msecs' "$TMP/err" ||
    fail "msecs not measured"
ok "the time is measured"

# Control bytes in the request target are escaped: one line per request.
$CLIENT --port "$PORT" raw --first \
    --data 'GET /nope\x7f\x1b[31m\\x HTTP/1.1\r\nHost: x\r\n\r\n' >/dev/null
grep -qF 'GET /nope\x7f\x1b[31m\\x =>' "$TMP/err" || fail "not escaped: $(grep nope "$TMP/err")"
ok "control bytes escaped"
stop_server

start_server --threads 1 --access-log "$TMP/access.log"
get / >/dev/null; get /hit >/dev/null
[ "$(wc -l <"$TMP/access.log")" = 2 ] || fail "access log file"
grep -q 'req: 2/2.*GET /hit' "$TMP/access.log" || fail "$(cat "$TMP/access.log")"
grep -q 'GET /' "$TMP/err" && fail "access line also on stderr"
stop_server
ok "--access-log FILE"

start_server --threads 1 --access-log -
get / >/dev/null
wait_until 3 grep -q 'GET / =>' "$TMP/out" || fail "--access-log - (stdout)"
stop_server
ok "--access-log - writes to standard output"

start_server --threads 1 --disable-logging
get / >/dev/null; get '/?id=4' >/dev/null
grep -q '=> generated' "$TMP/err" "$TMP/out" && fail "--disable-logging"
grep -q 'processing request id\[4\]' "$TMP/err" || fail "app lines must remain"
ok "--disable-logging"

# Many threads writing at once never interleave lines.
stop_server
start_server --processes 2 --threads 8 --access-log "$TMP/many.log"
$CLIENT --port "$PORT" hold --count 400 --path '/?id={i}' >/dev/null
[ "$(grep -c '^\[pid: [0-9]*|app: 0|req: [0-9]*/[0-9]*\] .* (thread w[12]c[0-7])$' "$TMP/many.log")" = 400 ] ||
    fail "400 whole lines expected"
ok "400 lines from 16 threads in 2 processes, none interleaved"
