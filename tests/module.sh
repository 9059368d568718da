#!/bin/bash
# Handler modules (poolserve_module(3)) through the example module
# examples/hello.so: every route, a mount below /, per-thread state,
# a handler that fails and one that crashes, a 1 GiB stream at flat RSS,
# a client that leaves mid-stream, the refusals at start (exit 78), and a
# SIGHUP that picks up a rebuilt module under load.
. "$(dirname "$0")/lib.sh"

# make check builds the modules (check_DATA) beside the binary.
EXAMPLES=${EXAMPLES:-$(dirname "$POOLSERVE_BIN")/examples}
HELLO=$EXAMPLES/hello.so
for m in hello bad_version no_symbol; do
	[ -f "$EXAMPLES/$m.so" ] ||
	    fail "$EXAMPLES/$m.so is missing (make check builds it; or set EXAMPLES)"
done

# jget KEY: a field of the JSON in $TMP/body
jget() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
print("null" if v is None else v)' "$TMP/body" "$1"
}

# headers PATH [curl options]: the response headers into $TMP/h, the
# body into $TMP/body, CRs removed
headers() {
	local path=$1
	shift
	curl -s -D "$TMP/h" -o "$TMP/body" --max-time 30 "$@" "$(url "$path")"
	sed -i 's/\r$//' "$TMP/h"
}

# --- every route --------------------------------------------------------------
start_server --module "$HELLO" --threads 2 --max-body-size 4096

[ "$(get /)" = "Hello from a module" ] && [ "$(status)" = 200 ] ||
    fail "/: $(status) $(cat "$TMP/body")"
headers /
grep -qi '^Content-Type: text/plain; charset=utf-8$' "$TMP/h" ||
    fail "/: default Content-Type: $(cat "$TMP/h")"
expect_status 404 /nope
headers /echo
head -n 1 "$TMP/h" | grep -q ' 405 ' && grep -qi '^Allow: POST$' "$TMP/h" ||
    fail "GET /echo: $(cat "$TMP/h")"
curl -s -I --max-time 10 "$(url /)" | tr -d '\r' >"$TMP/h"
head -n 1 "$TMP/h" | grep -q ' 200 ' && grep -qi '^Content-Length: 20$' "$TMP/h" ||
    fail "HEAD /: $(cat "$TMP/h")"
ok "GET /: the greeting; HEAD; 404 and 405 with Allow from the module"

body='{"user":"a","list":[1,2.5,true,null],"s":"\u00e9"}'
headers /echo -X POST -H 'Content-Type: application/json' --data-binary "$body"
[ "$(cat "$TMP/body")" = "$body" ] || fail "/echo: $(cat "$TMP/body")"
grep -qi '^Content-Type: application/json$' "$TMP/h" ||
    fail "/echo Content-Type: $(cat "$TMP/h")"
expect_status 400 /echo -X POST --data-binary ''
ok "POST /echo: the body back as application/json, 400 when empty"

headers '/count?n=5'
[ "$(cat "$TMP/body")" = "$(printf '1\n2\n3\n4\n5')" ] ||
    fail "/count?n=5: $(cat "$TMP/body")"
grep -qi '^Transfer-Encoding: chunked$' "$TMP/h" ||
    fail "/count is not chunked: $(cat "$TMP/h")"
grep -qi '^Content-Length' "$TMP/h" && fail "/count has a Content-Length"
get '/count?n=100000' >/dev/null
[ "$(wc -l <"$TMP/body")" = 100000 ] && [ "$(tail -n 1 "$TMP/body")" = 100000 ] ||
    fail "/count?n=100000: $(wc -l <"$TMP/body") lines"
for n in 0 -1 x 1000001 ''; do
	expect_status 400 "/count?n=$n"
done
ok "GET /count?n=N: N lines written one by one, chunked"

headers '/stream?bytes=100000'
[ "$(wc -c <"$TMP/body")" = 100000 ] || fail "/stream: $(wc -c <"$TMP/body") bytes"
grep -qi '^Content-Length: 100000$' "$TMP/h" || fail "/stream: $(cat "$TMP/h")"
grep -qi '^Transfer-Encoding' "$TMP/h" && fail "/stream is chunked: $(cat "$TMP/h")"
grep -qi '^Content-Type: application/octet-stream$' "$TMP/h" ||
    fail "/stream Content-Type: $(cat "$TMP/h")"
headers '/stream?bytes=0'
head -n 1 "$TMP/h" | grep -q ' 200 ' &&
    [ ! -s "$TMP/body" ] && grep -qi '^Content-Length: 0$' "$TMP/h" ||
    fail "/stream?bytes=0: $(cat "$TMP/h")"
ok "GET /stream?bytes=B: B bytes with Content-Length, not chunked"

headers /download
cmp -s "$TMP/body" /etc/os-release || fail "/download differs from /etc/os-release"
grep -qi "^Content-Length: $(wc -c </etc/os-release)\$" "$TMP/h" ||
    fail "/download: $(cat "$TMP/h")"
ok "GET /download: /etc/os-release by file descriptor, its length"

read -r code cport < <(curl -s -o "$TMP/body" -w '%{http_code} %{local_port}' \
    --max-time 30 -H 'X-Test: hello there' "$(url '/info?a=1&b=x%20y')")
[ "$code" = 200 ] || fail "/info: $code"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/body" ||
    fail "/info is not JSON: $(cat "$TMP/body")"
[ "$(jget worker)" = 1 ] || fail "/info worker: $(cat "$TMP/body")"
jget thread | grep -Eq '^w1c[01]$' || fail "/info thread: $(cat "$TMP/body")"
[ "$(jget client)" = 127.0.0.1 ] || fail "/info client: $(cat "$TMP/body")"
[ "$(jget port)" = "$cport" ] || fail "/info port $(jget port), curl's $cport"
[ "$(jget method)" = GET ] || fail "/info method"
[ "$(jget path)" = /info ] || fail "/info path: $(jget path)"
[ "$(jget script_name)" = "" ] || fail "/info script_name: $(jget script_name)"
[ "$(jget query)" = 'a=1&b=x%20y' ] || fail "/info query: $(jget query)"
[ "$(jget x_test)" = 'hello there' ] || fail "/info X-Test: $(jget x_test)"
[ "$(jget pid)" = "$(worker_pids)" ] || fail "/info pid: $(jget pid)"
get /info >/dev/null
[ "$(jget x_test)" = null ] || fail "/info without X-Test: $(jget x_test)"
ok "GET /info: worker, thread, client address and port, path, query, a header"

get /headers -H 'X-One: 1' -H 'X-Two: two  words' -A 'module-test/1' >/dev/null
for l in 'X-One: 1' 'X-Two: two  words' 'User-Agent: module-test/1' \
    "Host: 127.0.0.1:$PORT" 'Accept: */*'; do
	grep -qixF "$l" "$TMP/body" || fail "/headers lacks '$l': $(cat "$TMP/body")"
done
[ "$(wc -l <"$TMP/body")" = 5 ] || fail "/headers: $(cat "$TMP/body")"
[ "$(grep -n -i '^X-' "$TMP/body" | cut -d: -f1 | tr '\n' ' ')" = "4 5 " ] ||
    fail "/headers not in the order sent: $(cat "$TMP/body")"
ok "GET /headers: every request header, in order, through poolserve_each_header"

headers /badheader
[ "$(cat "$TMP/body")" = "$(printf 'value: -1 EINVAL\nname: -1 EINVAL')" ] ||
    fail "/badheader: $(cat "$TMP/body")"
head -n 1 "$TMP/h" | grep -q ' 200 ' || fail "/badheader: $(head -n 1 "$TMP/h")"
grep -qi 'Injected\|X-Bad\|Bad Name' "$TMP/h" &&
    fail "a refused header went out: $(cat "$TMP/h")"
ok "poolserve_add_header: CR LF in a value and a bad name are -1 EINVAL, not sent"

w=$(worker_pids)
expect_status 500 /fail
grep -q '/fail: returning -1' "$TMP/err" || fail "no log line from poolserve_log"
for i in 1 2 3; do
	expect_status 200 /
done
[ "$(worker_pids)" = "$w" ] || fail "/fail cost the worker"
ok "handle returning -1: 500, the same worker keeps answering"
stop_server

# --- a mount below / ------------------------------------------------------------
printf 'the module argument\n' >"$TMP/dl.txt"
start_server --mount "/api=module:$HELLO,$TMP/dl.txt" --threads 2
get /api/info >/dev/null
[ "$(status)" = 200 ] && [ "$(jget script_name)" = /api ] &&
    [ "$(jget path)" = /info ] ||
    fail "/api/info: $(status) $(cat "$TMP/body")"
[ "$(get /api/)" = "Hello from a module" ] || fail "/api/: $(status) $(cat "$TMP/body")"
[ "$(get /api)" = "Hello from a module" ] || fail "/api: $(status) $(cat "$TMP/body")"
[ "$(get /api/download)" = "the module argument" ] ||
    fail "/api/download with an argument: $(cat "$TMP/body")"
expect_status 404 /apix
expect_status 404 /info
ok "--mount /api=module:hello.so,ARG: script_name /api, path below it, ARG to init"
stop_server

# --- one thread: its state, a 1 GiB stream, a client that leaves, a crash ----
start_server --module "$HELLO" --processes 1 --threads 1
w=$(worker_pids)
get /info >/dev/null
t=$(jget thread) n=$(jget thread_requests)
for i in 1 2 3; do
	get / >/dev/null
	get /info >/dev/null
	[ "$(jget thread)" = "$t" ] && [ "$(jget thread_requests)" = $((n + i)) ] ||
	    fail "thread state: $t $n, then $(cat "$TMP/body")"
done
ok "thread_init's data is the thread's across requests ($t: $n to $((n + 3)))"

# Flat memory: the module writes 64 KiB at a time and poolserve_write
# blocks while the response's buffer is full, so the worker's RSS must
# not follow the bytes sent.  (Sanitizers change memory figures: there
# only the transfer is checked, and a smaller one.)
big=1073741824
[ -n "${POOLSERVE_SANITIZERS:-}" ] && big=268435456
get '/stream?bytes=4194304' >/dev/null	# warm up: buffers, stacks
download_rss "$w" "/stream?bytes=$big"
[ "$DOWNLOAD" = "200 $big" ] || fail "the $big-byte stream: $DOWNLOAD"
rss_growth_ok 32 "$big bytes in 64 KiB writes"

# A client that leaves mid-stream: poolserve_write returns -1, the
# handler stops, and the one thread is free for the next request.
curl -s -o /dev/null --max-time 1 "$(url '/stream?bytes=10737418240')"
rc=$?
[ "$rc" = 28 ] || fail "curl --max-time 1 on a 10 GiB stream: exit $rc"
wait_until 5 grep -q 'stream stopped after [0-9]* bytes' "$TMP/err" ||
    fail "the handler did not see the client leave"
expect_status 200 /
[ "$(worker_pids)" = "$w" ] || fail "the worker changed"
ok "a client gone mid-stream: poolserve_write -1, handler stopped, thread free"

curl -s -o /dev/null --max-time 10 "$(url /crash)"
rc=$?
[ "$rc" = 52 ] || [ "$rc" = 56 ] || fail "/crash: curl exit $rc, expected 52 or 56"
wait_until 5 grep -q "worker 1 (pid $w) killed by signal 11" "$TMP/err" ||
    fail "no log line for the dead worker"
respawned() { [ -n "$(worker_pids)" ] && [ "$(worker_pids)" != "$w" ]; }
wait_until 10 respawned || fail "no new worker"
[ "$(get /)" = "Hello from a module" ] || fail "after the respawn: $(status)"
ok "a segfault in a handler: the connection fails, the worker is logged and respawned"
stop_server

# --- refused at start: exit 78, one line naming the module and why -------------
printf 'not a shared object\n' >"$TMP/text.so"
# refused SO REASON-REGEX [--mount form]
refused() {
	local so=$1 why=$2 opt
	shift 2
	opt=(--module "$so")
	[ $# -gt 0 ] && opt=(--mount "/m=module:$so")
	timeout 10 "$POOLSERVE" --http 127.0.0.1:0 "${opt[@]}" >"$TMP/out" 2>"$TMP/e"
	rc=$?
	[ "$rc" = 78 ] || fail "${opt[*]}: exit $rc, expected 78: $(cat "$TMP/e")"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "${opt[*]}: not one line: $(cat "$TMP/e")"
	grep -qF "$so" "$TMP/e" || fail "${opt[*]}: the path is not named: $(cat "$TMP/e")"
	grep -Eqi "$why" "$TMP/e" || fail "${opt[*]}: no reason: $(cat "$TMP/e")"
}
refused "$TMP/none.so" 'cannot load|no such file'
refused "$TMP/none.so" 'cannot load|no such file' mount
refused "$TMP/text.so" 'cannot load|not a shared object|invalid ELF|too short'
refused "$EXAMPLES/no_symbol.so" 'poolserve_module'
refused "$EXAMPLES/bad_version.so" 'API version'
ok "refused at start with exit 78 and one line: missing, not a .so, no symbol, API 999"

# --- SIGHUP: the new workers load the rebuilt module ----------------------------
CC=${CC:-cc}
command -v "${CC%% *}" >/dev/null 2>&1 ||
    skip "no C compiler ($CC): SIGHUP reload of a rebuilt module not checked"
cp "$HELLO" "$TMP/m.so"
start_server --module "$TMP/m.so" --processes 2 --threads 2
old=$(worker_pids | tr '\n' ' ')
[ "$(get /)" = "Hello from a module" ] || fail "m.so: $(cat "$TMP/body")"
$CC -std=c99 -pedantic -Wall -Wextra -Werror -fPIC -shared \
    -I"$TESTS_DIR/../include" -DHELLO_TEXT='"Hello again"' \
    -o "$TMP/m2.so" "$TESTS_DIR/../examples/hello.c" ||
    fail "cannot build the variant of hello.c"
# rename, as an install does: the running workers keep the old file
mv "$TMP/m2.so" "$TMP/m.so"
# Load through the reload: one client per request, and one keep-alive
# connection for many; each bounded in count and time.
load_start / 300 2000
sleep 0.5
kill -0 "$LOAD1" 2>/dev/null || fail "the load ended before the reload"
kill -HUP "$PID"
again() { [ "$(get /)" = "Hello again" ]; }
wait_until 10 again || fail "the rebuilt module is not served: $(cat "$TMP/body")"
load_check 300 2000 '^Hello'
for i in $(seq 1 10); do
	[ "$(get /)" = "Hello again" ] || fail "an old module still answers"
done
workers_gone "$old"
ok "SIGHUP: the new workers serve the rebuilt module; 300 + 2000 requests, none lost"

# A broken file at the next SIGHUP: the check refuses it, the workers stay.
now=$(worker_pids | tr '\n' ' ')
cp "$TMP/text.so" "$TMP/m3.so"
mv "$TMP/m3.so" "$TMP/m.so"
kill -HUP "$PID"
wait_until 5 grep -q "SIGHUP: .*$TMP/m.so.*keeping the running configuration" "$TMP/err" ||
    fail "no refusal logged: $(tail -n 3 "$TMP/err")"
[ "$(worker_pids | tr '\n' ' ')" = "$now" ] || fail "workers replaced by a broken module"
[ "$(get /)" = "Hello again" ] || fail "after a refused reload: $(status) $(cat "$TMP/body")"
ok "SIGHUP with a module that does not load: logged, the running workers kept"
