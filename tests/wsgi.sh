#!/bin/bash
# Python WSGI applications (PEP 3333) on the pool: validator-checked apps,
# the environ, per-thread Python state, the seeds' Flask apps, Django,
# Falcon and Bottle, streaming at flat RSS, application errors, the pool
# limits (threads, --queue, skipped clients, --harakiri), refusals at
# start, SIGHUP reload under load and --preload.  The apps are tests/wsgi/.
. "$(dirname "$0")/lib.sh"

APPS=$TESTS_DIR/wsgi
if "$POOLSERVE_BIN" --check --wsgi x 2>&1 | grep -q 'built without Python'; then
	skip "poolserve was built without Python"
fi
# The embedded interpreter is the system's; so are the frameworks.
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
for m in flask django; do
	"$PY" -c "import $m" 2>/dev/null || skip "$PY has no $m (python3-$m)"
done
have() { "$PY" -c "import $1" 2>/dev/null; }
# No __pycache__ in the source tree (read-only under distcheck anyway).
export PYTHONDONTWRITEBYTECODE=1

# jget KEY: a field of the JSON in $TMP/body (true/false/null as JSON has them)
jget() {
	"$PY" -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2], "<absent>")
print(json.dumps(v) if isinstance(v, bool) or v is None else v)' \
	    "$TMP/body" "$1"
}

# headers PATH [curl options]: headers to $TMP/h (no CRs), body to $TMP/body
headers() {
	local path=$1
	shift
	curl -s -D "$TMP/h" -o "$TMP/body" --max-time 30 "$@" "$(url "$path")"
	sed -i 's/\r$//' "$TMP/h"
}

# expect PATH BODY [curl options]: status 200 and exactly that body
expect() {
	local path=$1 want=$2
	shift 2
	get "$path" "$@" >/dev/null
	[ "$(status)" = 200 ] && [ "$(cat "$TMP/body")" = "$want" ] ||
	    fail "$path: $(status) '$(cat "$TMP/body")', expected '$want'"
}

# no_python_errors WHAT: nothing in the error log a broken protocol leaves
no_python_errors() {
	! grep -E 'AssertionError|WSGIWarning|Traceback|Python exception' \
	    "$TMP/err" || fail "$1: Python errors on the error log"
}

# --- one process, 2 threads, every app mounted ------------------------------------
mounts=(--mount /app=wsgi:pep3333 --mount /s=wsgi:state
    --mount /seed=wsgi:seedapps:app --mount /dj=wsgi:djangoapp)
have falcon && mounts+=(--mount /falcon=wsgi:falconapp)
have bottle && mounts+=(--mount /bottle=wsgi:bottleapp)
start_server --threads 2 --pythonpath "$APPS" --wsgi pep3333 "${mounts[@]}" \
    --http 0.0.0.0:0
W=$(worker_pids)
ANY=$(sed -n 's/.*listening on .*0\.0\.0\.0:\([0-9]*\).*/\1/p' "$TMP/err" | head -n 1)
[ -n "$ANY" ] || fail "no port for --http 0.0.0.0:0 in: $(grep ready "$TMP/err")"

# 1. PEP 3333, under wsgiref.validate
expect /one 'one piece'
expect /pieces "$(printf 'piece %d\n' 1 2 3 4 5)"
expect /write 'written, written again, then returned'
printf 'line one\nline two\nthree, no newline' >"$TMP/in"
for how in read readline readlines iter; do
	for te in '' chunked; do
		opt=()
		[ -n "$te" ] && opt=(-H 'Transfer-Encoding: chunked')
		headers "/input?$how" "${opt[@]}" --data-binary @"$TMP/in"
		head -n 1 "$TMP/h" | grep -q ' 200 ' && cmp -s "$TMP/body" "$TMP/in" ||
		    fail "wsgi.input $how ${te:-with a length}: $(head -n 1 "$TMP/h"), body '$(cat "$TMP/body")'"
		grep -qx 'X-Lines: 3' "$TMP/h" || fail "wsgi.input $how: $(cat "$TMP/h")"
		if [ -n "$te" ]; then
			grep -qx 'X-Content-Length: none' "$TMP/h" ||
			    fail "chunked request body: CONTENT_LENGTH set: $(cat "$TMP/h")"
		else
			grep -qx "X-Content-Length: $(wc -c <"$TMP/in")" "$TMP/h" ||
			    fail "CONTENT_LENGTH: $(cat "$TMP/h")"
		fi
	done
done
headers /exc_info
head -n 1 "$TMP/h" | grep -q ' 500 ' && grep -qx 'X-Error: ValueError' "$TMP/h" &&
    [ "$(cat "$TMP/body")" = 'error page: the page could not be made' ] ||
    fail "start_response with exc_info: $(cat "$TMP/h") $(cat "$TMP/body")"
headers /file
head -n 1 "$TMP/h" | grep -q ' 200 ' && cmp -s "$TMP/body" "$APPS/pep3333.py" ||
    fail "wsgi.file_wrapper: $(head -n 1 "$TMP/h")"
c0=$(get /closed)
expect /close 'close me'
expect /close 'close me'
expect /closed "$((c0 + 2))"
no_python_errors "the validator-wrapped apps"
ok "PEP 3333 apps under wsgiref.validate: lists, generators, write(), wsgi.input 4 ways (with a length and chunked), exc_info, file_wrapper, close(); no assertion, warning or traceback"

# 2. environ: at / and below a mount
read -r code cport < <(curl -s -o "$TMP/body" -w '%{http_code} %{local_port}' \
    --max-time 30 -H 'X-Rep: 1' -H 'X-Rep: 2' -H 'X_Under: spoof' \
    -H 'Cookie: a=1' -H 'Cookie: b=2' -H 'Content-Type: text/x-test' \
    --data-binary 'abc' "$(url '/app/environ/caf%C3%A9%20x/y?a=1&b=x%20y&c=%C3%A9')")
[ "$code" = 200 ] || fail "/app/environ: $code $(cat "$TMP/body")"
e() {
	local got
	got=$(jget "$1")
	[ "$got" = "$2" ] || fail "environ $1 = '$got', expected '$2'"
}
e REQUEST_METHOD POST
e SCRIPT_NAME /app
e QUERY_STRING 'a=1&b=x%20y&c=%C3%A9'
e CONTENT_TYPE text/x-test
e CONTENT_LENGTH 3
e HTTP_CONTENT_TYPE '<absent>'
e SERVER_NAME 127.0.0.1
e SERVER_PORT "$PORT"
e SERVER_PROTOCOL HTTP/1.1
e REMOTE_ADDR 127.0.0.1
e REMOTE_PORT "$cport"
e HTTP_X_REP '1, 2'
e HTTP_COOKIE 'a=1; b=2'
e HTTP_X_UNDER '<absent>'
e wsgi.url_scheme http
e wsgi.multithread true
e wsgi.multiprocess false
e wsgi.run_once false
e wsgi.input_terminated true
# PATH_INFO: percent-decoded, its bytes as latin-1 code points (PEP 3333)
"$PY" -c 'import json, sys
p = json.load(open(sys.argv[1]))["PATH_INFO"]
sys.exit(p.encode("latin-1") != "/environ/café x/y".encode("utf-8"))' "$TMP/body" ||
    fail "PATH_INFO: $(jget PATH_INFO | od -c | head -n 3)"
get /environ -H 'Host: example.org:81' >/dev/null
e SCRIPT_NAME ''
e PATH_INFO /environ
e REQUEST_METHOD GET
e QUERY_STRING ''
e CONTENT_LENGTH '<absent>'
e SERVER_NAME example.org
e HTTP_HOST example.org:81
# Without a Host: the address the client reached, from the listen socket
# (127.0.0.1) or, on a wildcard one, asked of the kernel; the port either way.
get /environ --http1.0 -H 'Host:' >/dev/null
e SERVER_NAME 127.0.0.1
e SERVER_PORT "$PORT"
e HTTP_HOST '<absent>'
curl -s -o "$TMP/body" --max-time 30 --http1.0 -H 'Host:' \
    "http://127.0.0.1:$ANY/environ"
e SERVER_NAME 127.0.0.1
e SERVER_PORT "$ANY"
# A header name seen before in another case is the same variable; names
# beyond what poolserve keeps keys for are all there.
get /app/environ -H 'x-rep: 3' >/dev/null
e HTTP_X_REP 3
many=()
for i in $(seq 1 80); do many+=(-H "X-Many-$i: v$i"); done
get /app/environ "${many[@]}" >/dev/null
n=$("$PY" -c 'import json, sys
e = json.load(open(sys.argv[1]))
print(sum(e.get("HTTP_X_MANY_%d" % i) == "v%d" % i for i in range(1, 81)))' "$TMP/body")
[ "$n" = 80 ] || fail "80 distinct headers: $n in the environ"
# PATH_INFO at the mount prefix itself: "" (CGI, PEP 3333), "/" below it
for t in /app /app?x=1 /ap%70; do
	get "$t" >/dev/null
	[ "$(status)" = 200 ] || fail "$t: $(status) $(cat "$TMP/body")"
	e SCRIPT_NAME /app
	e PATH_INFO ''
done
e QUERY_STRING ''
curl -s -o "$TMP/body" --max-time 30 --request-target \
    "http://127.0.0.1:$PORT/app" "$(url /)"
e PATH_INFO ''
get /app/ >/dev/null
e PATH_INFO /
get /app/environ/ >/dev/null
e PATH_INFO /environ/
no_python_errors "the environ app"
ok "environ: method, SCRIPT_NAME/PATH_INFO (decoded, latin-1) below a mount, \"\" at the prefix itself (also %-encoded, absolute-form), raw QUERY_STRING, CONTENT_*, SERVER_* (also without a Host, on a specific and a wildcard address), REMOTE_*, joined repeats, header names in any case, 80 distinct headers, '_' names dropped, wsgi.*"

# 3b. two threads: each its own Python thread state, named as the thread
$CLIENT --port "$PORT" hold --count 2 --path '/s/thread?s=0.5' >"$TMP/hold"
grep -q '"status": {"200": 2}' "$TMP/hold" || fail "/s/thread x2: $(cat "$TMP/hold")"
names=$(grep -o 'wsgi.errors: thread [^ ]* count 1$' "$TMP/err" | sort | tr '\n' ' ')
[ "$names" = "wsgi.errors: thread w1c0 count 1 wsgi.errors: thread w1c1 count 1 " ] ||
    fail "--threads 2: 2 requests at once ran on: $names"
ok "--threads 2: threading.current_thread().name is w1c0 / w1c1"

# 4. frameworks
expect /seed/cast/0 ok
expect /seed/other_cast/0 other_ok
expect '/seed/?id=7&sleep=0.1' 'hello #7'
grep -Eq "worker 1: wsgi.errors: [0-9-]+ [0-9:.]+ - $W-w1c[01]: #1 processing request id\[7\], sleeping\.\.\.\$" \
    "$TMP/err" || fail "the seed's 'processing' line"
grep -Eq "worker 1: wsgi.errors: [0-9-]+ [0-9:.]+ - $W-w1c[01]: done request id\[7\]\$" \
    "$TMP/err" || fail "the seed's 'done' line"
grep -Eq "wsgi.errors: .* - $W-w1c[01]: cast " "$TMP/err" || fail "the cast line"
headers /seed/login -H 'Content-Type: application/json' \
    --data-binary '{"a": "1", "b": "2", "c": 200}'
head -n 1 "$TMP/h" | grep -q ' 200 ' && grep -qix 'Content-Type: application/json' "$TMP/h" &&
    [ "$(jget keys)" = "['a', 'b', 'c']" ] && [ "$(jget ok)" = true ] ||
    fail "Flask JSON POST: $(cat "$TMP/h") $(cat "$TMP/body")"
expect_status 400 /seed/login -H 'Content-Type: application/json' --data-binary '[1]'
expect_status 404 /seed/nope
ok "the seeds' Flask apps: /cast/N, /other_cast/N, /?id=N with its log lines on poolserve's threads, a JSON POST"

expect /dj/form 'hello ann, 2 fields' --data-binary 'name=ann&x=1'
expect_status 400 /dj/form --data-binary 'x=1'
expect_status 403 /dj/guarded --data-binary 'name=ann'
get '/dj/api?q=1' >/dev/null
[ "$(status)" = 200 ] && [ "$(jget framework)" = django ] &&
    [ "$(jget path)" = /dj/api ] && [ "$(jget script_name)" = /dj ] ||
    fail "Django JSON: $(status) $(cat "$TMP/body")"
headers /dj/stream
[ "$(cat "$TMP/body")" = "$(printf 'line %d\n' 1 2 3 4 5)" ] &&
    grep -qix 'Transfer-Encoding: chunked' "$TMP/h" ||
    fail "StreamingHttpResponse: $(cat "$TMP/h") $(cat "$TMP/body")"
headers /dj/file
cmp -s "$TMP/body" "$APPS/djangoapp.py" &&
    grep -qix "Content-Length: $(wc -c <"$APPS/djangoapp.py")" "$TMP/h" ||
    fail "FileResponse: $(cat "$TMP/h")"
ok "Django: a csrf_exempt form POST (and 403 without the exemption), JSON, StreamingHttpResponse, FileResponse"

if have falcon; then
	get '/falcon/things?q=z' >/dev/null
	[ "$(status)" = 200 ] && [ "$(jget framework)" = falcon ] &&
	    [ "$(jget q)" = z ] || fail "Falcon GET: $(status) $(cat "$TMP/body")"
	get /falcon/things -H 'Content-Type: application/json' \
	    --data-binary '{"name":"cup"}' >/dev/null
	[ "$(status)" = 201 ] && [ "$(jget added)" = cup ] ||
	    fail "Falcon POST: $(status) $(cat "$TMP/body")"
	get /falcon/things >/dev/null
	[ "$(jget things)" = "['cup']" ] || fail "Falcon state: $(cat "$TMP/body")"
	ok "Falcon: GET with a query, POST 201 with JSON media"
else
	echo "python3-falcon not installed: Falcon not checked"
fi
if have bottle; then
	expect /bottle/hello/ann 'hello ann from bottle'
	get /bottle/echo -H 'Content-Type: application/json' --data-binary '{"k":1}' >/dev/null
	[ "$(cat "$TMP/body")" = '{"got": {"k": 1}}' ] || fail "Bottle POST: $(cat "$TMP/body")"
	ok "Bottle: a route with a parameter, a JSON POST"
else
	echo "python3-bottle not installed: Bottle not checked"
fi

# 5a. one piece: Content-Length; several: chunked
headers /one
grep -qix 'Content-Length: 10' "$TMP/h" && ! grep -qi '^Transfer-Encoding' "$TMP/h" ||
    fail "a one-piece list: $(cat "$TMP/h")"
headers /pieces
grep -qix 'Transfer-Encoding: chunked' "$TMP/h" && ! grep -qi '^Content-Length' "$TMP/h" ||
    fail "a five-piece generator: $(cat "$TMP/h")"
ok "a one-piece response has a Content-Length, a generator of several is chunked"

# 7a. at most --threads requests in Python at once
$CLIENT --port "$PORT" hold --count 6 --path '/s/sleep?s=0.5' >"$TMP/hold"
grep -q '"status": {"200": 6}' "$TMP/hold" || fail "6 x /s/sleep: $(cat "$TMP/hold")"
get /s/inflight >/dev/null
[ "$(jget max)" = 2 ] && [ "$(jget now)" = 0 ] ||
    fail "6 concurrent /s/sleep on 2 threads: $(cat "$TMP/body")"
ok "6 concurrent requests on --threads 2: at most 2 were ever in the application"

# 6. errors
w=$(worker_pids)
expect_status 500 /s/raise
grep -q 'worker 1: wsgi:state at /s: Python exception:' "$TMP/err" &&
    grep -q '^Traceback (most recent call last):' "$TMP/err" &&
    grep -q '^RuntimeError: raised before start_response (test)$' "$TMP/err" ||
    fail "no traceback for /s/raise"
grep -q 'wsgi application at /s failed on GET /s/raise (thread w1c[01])' "$TMP/err" ||
    fail "no failure line for /s/raise"
expect_status 500 /s/raise_first
grep -q '^RuntimeError: raised before the first piece (test)$' "$TMP/err" ||
    fail "no traceback for a generator that raises before its first piece"
curl -s -o "$TMP/body" --max-time 10 "$(url /s/raise_late)"
rc=$?
[ "$rc" = 18 ] || [ "$rc" = 56 ] ||
    fail "an exception after the first pieces: curl exit $rc, expected 18 or 56"
grep -q 'first piece' "$TMP/body" || fail "/s/raise_late: the first piece did not arrive"
wait_until 3 grep -q '^RuntimeError: raised after the first pieces (test)$' "$TMP/err" ||
    fail "no traceback for an exception after the first pieces"
for p in bad_status crlf_header space_header hop_header; do
	headers "/s/$p"
	head -n 1 "$TMP/h" | grep -q ' 500 ' || fail "/s/$p: $(head -n 1 "$TMP/h")"
	grep -qi 'Injected\|X-Split\|Bad Name\|spaced\|x-hop-by-hop' "$TMP/h" &&
	    fail "/s/$p: the bad header went out: $(cat "$TMP/h")"
done
grep -q "ValueError: bad WSGI status 'abc'" "$TMP/err" || fail "bad status not logged"
for h in "('X-Split', 'a\\r\\nInjected: yes')" "('Bad Name', 'spaced')" \
    "('Connection', 'x-hop-by-hop')"; do
	grep -qF "ValueError: WSGI header $h refused" "$TMP/err" ||
	    fail "header $h: not logged"
done
# Header values are latin-1 (PEP 3333): U+00E9 is the byte E9; U+20AC
# has no latin-1 byte and is an error, never sent as UTF-8.
headers /s/latin1_header
LC_ALL=C grep -qx "X-Latin: caf$(printf '\351')" "$TMP/h" ||
    fail "a latin-1 header value: $(grep -i '^X-Latin' "$TMP/h" | od -c | head -n 2)"
headers /s/nonlatin1_header
head -n 1 "$TMP/h" | grep -q ' 500 ' && ! grep -qi '^X-Euro' "$TMP/h" ||
    fail "a header value beyond latin-1: $(cat "$TMP/h")"
for i in 1 2 3; do
	expect /one 'one piece'
done
[ "$(worker_pids)" = "$w" ] || fail "the worker changed"
! grep -E 'AssertionError|WSGIWarning' "$TMP/err" ||
    fail "wsgiref.validate complained (late, e.g. on garbage collection)"
ok "errors: before the head 500 + traceback; after the first pieces a cut response + traceback; bad status, CR LF, a spaced name, Connection, a non-latin-1 value: 500 and never sent; latin-1 values as latin-1; the worker serves on"
stop_server

# --- one thread, --queue 1 ----------------------------------------------------
start_server --threads 1 --queue 1 --pythonpath "$APPS" --wsgi state
w=$(worker_pids)

# 3a. one thread: one Python thread state across requests
for i in 1 2 3; do
	get /thread >/dev/null
	[ "$(jget name)" = w1c0 ] && [ "$(jget count)" = "$i" ] ||
	    fail "--threads 1, request $i: $(cat "$TMP/body")"
done
# start_response kept past its request is refused, and leaves the
# request of the thread that now runs alone
get /keep >/dev/null
[ "$(jget kept)" = 1 ] || fail "/keep: $(cat "$TMP/body")"
headers /kept
head -n 1 "$TMP/h" | grep -q ' 200 ' &&
    [ "$(jget said)" = 'start_response called after the request ended' ] ||
    fail "a kept start_response: $(head -n 1 "$TMP/h") $(cat "$TMP/body")"
# A reason phrase of the application's: the code is kept, the phrase is
# libmicrohttpd's, said once on the error log
for i in 1 2; do
	headers /reason
	[ "$(head -n 1 "$TMP/h")" = 'HTTP/1.1 200 OK' ] &&
	    [ "$(cat "$TMP/body")" = fine ] ||
	    fail "/reason: $(head -n 1 "$TMP/h") $(cat "$TMP/body")"
done
[ "$(grep -c 'wsgi:state at /: status "200 Fine, thanks" is sent as "200 OK": the reason phrase is libmicrohttpd.s (said once)$' "$TMP/err")" = 1 ] ||
    fail "the reason phrase line: $(grep 'reason phrase' "$TMP/err")"
get /environ >/dev/null	# state has no /environ: 404, and no crash
[ "$(status)" = 404 ] || fail "/environ on state: $(status)"
get /pid >/dev/null
[ "$(jget multithread)" = false ] && [ "$(jget multiprocess)" = false ] ||
    fail "--threads 1 --processes 1: $(cat "$TMP/body")"
ok "--threads 1: wsgi.multithread false; 3 requests on thread w1c0, its threading.local counter 1, 2, 3; a start_response kept past its request refuses; a custom reason phrase: 200 OK and one log line"

# 5b. 1 GiB from a generator at flat RSS; a client that leaves mid-stream
mib=1024
[ -n "${POOLSERVE_SANITIZERS:-}" ] && mib=256
get '/big?mib=8' >/dev/null	# warm up
download_rss "$w" "/big?mib=$mib"
[ "$DOWNLOAD" = "200 $((mib << 20))" ] || fail "the $mib MiB stream: $DOWNLOAD"
grep -q "wsgi.errors: stream closed after $((mib << 20)) bytes" "$TMP/err" ||
    fail "the generator was not closed after $mib MiB"
rss_growth_ok 64 "$mib MiB from a generator"

curl -s -o /dev/null --max-time 1 "$(url '/big?mib=1000000')"
rc=$?
[ "$rc" = 28 ] || fail "curl --max-time 1 on a huge stream: exit $rc"
left() { [ "$(grep -c 'wsgi.errors: stream closed after' "$TMP/err")" -ge 3 ]; }
wait_until 5 left || fail "the generator was not closed when the client left"
get /thread >/dev/null
[ "$(status)" = 200 ] && [ "$(jget count)" = 4 ] || fail "after the client left: $(cat "$TMP/body")"
[ "$(worker_pids)" = "$w" ] || fail "the worker changed"
ok "a client that leaves mid-stream: the generator is closed (its finally: ran), the thread answers again"

# 7b. --queue 1: one runs, one waits, the next gets 503 + Retry-After
"$PY" - "$PORT" "$TMP/err" >"$TMP/queue" <<'PY'
import sys, time, httpc
port, errlog = int(sys.argv[1]), sys.argv[2]
def req(s, path):
    s.sendall(httpc.request(path))
def resp(s):
    r = httpc.read_response(s)
    return r.line, r.head
def running(text):
    for _ in range(100):
        if text in open(errlog).read():
            return
        time.sleep(0.05)
    sys.exit("never logged: " + text)
d = httpc.connect(port, 20)
req(d, "/pid"); resp(d)
a = httpc.connect(port, 20)
req(a, "/sleep?s=1.5")
running("sleep 1.5 on w1c0")
b = httpc.connect(port, 20)
req(b, "/sleep?s=0.01"); time.sleep(0.3)
req(d, "/thread")
line, head = resp(d)
print("D", line, "retry-after" if "\r\nRetry-After: " in head else "-")
print("A", resp(a)[0])
print("B", resp(b)[0])
PY
grep -q '^D HTTP/1.1 503 Service Unavailable retry-after$' "$TMP/queue" ||
    fail "--queue 1: expected 503 with Retry-After: $(cat "$TMP/queue")"
grep -q '^A HTTP/1.1 200' "$TMP/queue" && grep -q '^B HTTP/1.1 200' "$TMP/queue" ||
    fail "--queue 1: $(cat "$TMP/queue")"
grep -q 'queue full.*503 for GET /thread' "$TMP/err" || fail "no 'queue full' line"
get /thread >/dev/null
[ "$(jget count)" = 5 ] || fail "the refused request ran: $(cat "$TMP/body")"
ok "--queue 1: 1 running, 1 waiting, the next gets 503 + Retry-After and never reaches Python"

# 7c. a client that leaves while waiting is skipped, never run
curl -s -o /dev/null --max-time 10 "$(url '/sleep?s=1.2')" &
BUSY=$!
wait_until 5 grep -q 'sleep 1.2 on w1c0' "$TMP/err" || fail "the busy request did not start"
curl -s -o /dev/null --max-time 0.4 "$(url '/thread?left=1')"
wait "$BUSY"
wait_until 5 grep -q 'skipped GET /thread from .*: the client left after waiting [0-9]* ms (thread w1c0)' "$TMP/err" ||
    fail "no skip line"
get /thread >/dev/null
[ "$(jget count)" = 6 ] || fail "the abandoned request ran: $(cat "$TMP/body")"
ok "a client that left while waiting for the Python thread: skipped and logged, not run"
stop_server

# --- refusals at start: exit 78 ------------------------------------------------
printf 'raise ImportError("broken on purpose")\n' >"$TMP/broken.py"
# refused OPTION REASON-REGEX OPTIONS...: exit 78, one line "poolserve:
# OPTION ...: REASON"
refused() {
	local opt=$1 why=$2
	shift 2
	timeout 20 "$POOLSERVE" --http 127.0.0.1:0 --pythonpath "$TMP" \
	    --pythonpath "$APPS" "$@" >"$TMP/out" 2>"$TMP/e"
	rc=$?
	[ "$rc" = 78 ] || fail "$*: exit $rc, expected 78: $(cat "$TMP/e")"
	[ "$(grep -c '^poolserve: ' "$TMP/e")" = 1 ] ||
	    fail "$*: not one poolserve line: $(cat "$TMP/e")"
	grep -Eq "^poolserve: $opt .*$why" "$TMP/e" ||
	    fail "$*: expected '$opt ... $why': $(cat "$TMP/e")"
}
refused --wsgi 'cannot import broken' --wsgi broken
grep -q '^Traceback (most recent call last):' "$TMP/e" &&
    grep -q '^ImportError: broken on purpose$' "$TMP/e" || fail "no traceback: $(cat "$TMP/e")"
refused --wsgi 'cannot import broken' --preload --wsgi broken
grep -q '^ImportError: broken on purpose$' "$TMP/e" || fail "--preload: no traceback: $(cat "$TMP/e")"
refused --mount 'cannot import broken' --mount /b=wsgi:broken
refused --wsgi-file 'cannot import .*broken.py' --wsgi-file "$TMP/broken.py"
refused --wsgi-file 'No such file' --wsgi-file "$TMP/none.py"
refused --wsgi 'state:nope has no callable nope' --wsgi state:nope
ok "refused at start with exit 78: an import error (its traceback, one line naming --wsgi), a missing callable, a missing file"

# --- --harakiri, --virtualenv --------------------------------------------------
venv=$TMP/venv/lib/$("$PY" -c 'import sys; print("python%d.%d" % sys.version_info[:2])')/site-packages
mkdir -p "$venv"
printf 'def application(e, sr):\n    sr("200 OK", [])\n    return [b"from the venv"]\n' \
    >"$venv/venvapp.py"
start_server --threads 2 --harakiri 1 --shutdown-timeout 1 --pythonpath "$APPS" \
    --wsgi state --virtualenv "$TMP/venv" --mount /v=wsgi:venvapp
expect /v 'from the venv'
first=$(worker_pids)
curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$(url '/sleep?s=8')" >"$TMP/stuck" &
STUCK=$!
wait_until 5 grep -q 'harakiri: GET /sleep?s=8 has run [0-9]* ms on thread w1c[01] (--harakiri 1)' "$TMP/err" ||
    fail "no harakiri line"
wait "$STUCK"
[ "$(cat "$TMP/stuck")" = 000 ] || fail "the stuck client got $(cat "$TMP/stuck")"
has_worker() { [ -n "$(worker_pids)" ] && [ "$(worker_pids)" != "$first" ]; }
wait_until 5 has_worker || fail "the worker was not recycled"
expect_status 200 /thread
ok "--virtualenv: its site-packages on sys.path; --harakiri 1: a stuck Python request is logged, its worker recycled"
stop_server

# malloc_arenas PID: how many malloc arenas PID has besides glibc's main
# one: an anonymous rw-p mapping at a 64 MiB boundary (HEAP_MAX_SIZE)
# followed at once by the ---p rest of its reservation.
malloc_arenas() {
	python3 - "/proc/$1/maps" <<'PY'
import sys
maps = []
for line in open(sys.argv[1]):
    f = line.split()
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    maps.append((lo, hi, f[1], len(f) > 5))
print(sum(1 for a, b in zip(maps, maps[1:])
          if a[2] == "rw-p" and not a[3] and a[0] % (64 << 20) == 0
          and b[2] == "---p" and not b[3] and b[0] == a[1]))
PY
}

# --- SIGHUP re-imports edited code, under load -----------------------------------
export WSGI_TEST_VERSION_FILE=$TMP/version
echo v1 >"$TMP/version"
start_server --processes 2 --threads 2 --wsgi-file "$APPS/state.py"
old=$(worker_pids | tr '\n' ' ')
expect /version v1
# without --preload the master never imports: a check child and each worker
grep 'state.py imported in pid' "$TMP/err" | grep -q "pid $PID," &&
    fail "the master imported the application without --preload"
get /pid >/dev/null
[ "$(jget multiprocess)" = true ] || fail "wsgi.multiprocess: $(cat "$TMP/body")"
# without --preload a worker keeps to one malloc arena (M_ARENA_MAX 1)
if [ -z "${POOLSERVE_SANITIZERS:-}" ]; then
	for p in $old; do
		n=$(malloc_arenas "$p")
		[ "$n" = 0 ] || fail "worker $p: $n malloc arenas besides the main one"
	done
fi
load_start /version 200 1000
wait_until 5 test -s "$TMP/load1" || fail "the load did not start"
echo v2 >"$TMP/version"
kill -HUP "$PID"
again() { [ "$(get /version)" = v2 ]; }
wait_until 10 again || fail "the edited code is not served: $(cat "$TMP/body")"
load_check 200 1000 '^v[12]$'
for i in $(seq 1 6); do
	expect /version v2
done
workers_gone "$old"
ok "SIGHUP: new workers import the edited code; 200 + 1000 requests through it, none lost"

# An import that fails at the next SIGHUP: refused, the workers kept.
now=$(worker_pids | tr '\n' ' ')
rm "$TMP/version"
kill -HUP "$PID"
wait_until 5 grep -q "SIGHUP: .*state.py.*keeping the running configuration" "$TMP/err" ||
    fail "no refusal logged: $(tail -n 3 "$TMP/err")"
[ "$(worker_pids | tr '\n' ' ')" = "$now" ] || fail "workers replaced by code that does not import"
expect /version v2
ok "SIGHUP with code that does not import: logged, the running workers kept"
stop_server

# --- --preload: imported once, in the master; workers share it -----------------
echo v1 >"$TMP/version"
start_server --preload --processes 2 --threads 1 --pythonpath "$APPS" --wsgi state
imports=$(grep -c 'state.py imported in pid' "$TMP/err")
[ "$imports" = 1 ] && grep -q "state.py imported in pid $PID, version v1" "$TMP/err" ||
    fail "--preload: $imports imports: $(grep 'imported in' "$TMP/err")"
[ "$(grep -c 'wsgi:state at / loaded' "$TMP/err")" = 2 ] || fail "--preload: not 2 workers loaded"
# 2 slow requests, 1 thread each: both workers answer
$CLIENT --port "$PORT" hold --count 2 --path '/sleep?s=0.5' >"$TMP/hold"
grep -q '"status": {"200": 2}' "$TMP/hold" || fail "--preload: $(cat "$TMP/hold")"
pids=$(grep -o 'sleep 0.5 on w[12]c0' "$TMP/err" | sort -u | wc -l)
[ "$pids" = 2 ] || fail "--preload: the slow requests ran in $pids workers"
for i in 1 2 3 4; do
	get /pid >/dev/null
	p=$(jget pid)
	[ "$p" != "$PID" ] && worker_pids | grep -qx "$p" || fail "/pid $p is no worker"
done
# a reload keeps the preloaded code
echo v2 >"$TMP/version"
old=$(worker_pids | tr '\n' ' ')
kill -HUP "$PID"
gone() { ! worker_pids | grep -qx "${old%% *}"; }
wait_until 10 gone || fail "--preload: SIGHUP did not replace the workers"
two() { [ "$(worker_pids | wc -l)" = 2 ]; }
wait_until 5 two || fail "--preload: not 2 workers after SIGHUP"
expect /version v1
[ "$(grep -c 'state.py imported in pid' "$TMP/err")" = 1 ] || fail "--preload: SIGHUP imported again"
# with --preload its threads get arenas of their own (the main one is
# the master's, shared copy-on-write)
if [ -z "${POOLSERVE_SANITIZERS:-}" ]; then
	for p in $(worker_pids); do
		n=$(malloc_arenas "$p")
		[ "$n" -ge 1 ] || fail "--preload: worker $p has no malloc arena of its threads'"
	done
fi
ok "--preload: one import, in the master; 2 workers (w1, w2) answer; SIGHUP keeps the code; its threads have malloc arenas of their own (none besides the main one without --preload)"
stop_server || fail "poolserve exited $? at the end"

# Fairness, as tests/fairness.sh for the lab: more keep-alive clients
# than Python threads, every one served, none monopolising the threads.
start_server --threads 2 --disable-logging --pythonpath "$APPS" --wsgi state
read -r min max total < <($CLIENT --port "$PORT" fair --conns 30 --seconds 3 \
    --path /thread)
[ "$min" -gt 0 ] || fail "a client got no response (min $min, max $max)"
[ $((min * 4)) -ge "$max" ] ||
    fail "unfair: min $min, max $max responses per connection"
ok "30 keep-alive clients on 2 Python threads: $total responses, min $min, max $max"
stop_server || fail "poolserve exited $? at the end"
