#!/bin/bash
# Every lab route and every bad-parameter case.
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --max-body-size 64

[ "$(get /)" = "Hello, world!" ] && [ "$(status)" = 200 ] || fail "/"
# every body ends with a newline, / and the seed route too
cmp -s "$TMP/body" <(printf 'Hello, world!\n') || fail "/ body: $(od -c "$TMP/body")"
[ "$(get '/?id=7')" = "hello #7" ] || fail "/?id=7"
cmp -s "$TMP/body" <(printf 'hello #7\n') || fail "/?id=7 body: $(od -c "$TMP/body")"
[ "$(get '/?id=8&sleep=0.1')" = "hello #8" ] || fail "/?id=8&sleep=0.1"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15} - [0-9]+-w1c[01]: #[0-9]+ processing request id\[8\], sleeping\.\.\.$' \
    "$TMP/err" || fail "seed log line"
grep -Eq ' - [0-9]+-w1c[01]: done request id\[8\]$' "$TMP/err" || fail "done line"
[ "$(get '/?sleep=0')" = "hello #3" ] || fail "/?sleep=0 without id: $(cat "$TMP/body")"
ok "/ and the seed route /?id=N&sleep=S, with its log lines"

[ "$(get /sleep/0.2)" = "slept 0.2 s" ] || fail "/sleep/0.2"
[ "$(get /cpu/20)" = "burnt 20 ms of CPU" ] || fail "/cpu/20"
a=$(get /hit); b=$(get /hit)
[ "$b" = $((a + 1)) ] || fail "/hit: $a then $b"
get /info | grep -Eq '^\{"pid":[0-9]+,"worker":1,"thread":"w1c[01]","processes":1,"threads":2,"requests":[0-9]+,' ||
    fail "/info: $(cat "$TMP/body")"
ok "/sleep, /cpu, /hit, /info"

body='{"user":"a","list":[1,2.5,true,null],"s":"\u00e9"}'
[ "$(get /echo -X POST -H 'Content-Type: application/json' -d "$body")" = "$body" ] ||
    fail "/echo: $(cat "$TMP/body")"
curl -s -D "$TMP/h" -o /dev/null -X POST -d '[1]' "$(url /echo)"
grep -qi '^Content-Type: application/json' "$TMP/h" || fail "/echo content type"
ok "POST /echo echoes valid JSON"

# expect_400 PATH MESSAGE-SUBSTRING [curl options]
expect_400() {
	local path=$1 msg=$2
	shift 2
	get "$path" "$@" >/dev/null
	[ "$(status)" = 400 ] || fail "$path: status $(status), expected 400"
	grep -qF "$msg" "$TMP/body" || fail "$path: body '$(cat "$TMP/body")'"
	[ "$(wc -l <"$TMP/body")" = 1 ] || fail "$path: not one line"
}
for v in -1 abc 1.5 1e3 '' 9999999999999999999; do
	expect_400 "/?id=$v" "bad id"
done
for v in -1 abc 1e3 86401 inf nan 1. .5; do
	expect_400 "/?id=1&sleep=$v" "bad sleep"
	expect_400 "/sleep/$v" "bad /sleep/S"
done
for v in -1 abc 1.5 60001 ''; do
	expect_400 "/cpu/$v" "bad /cpu/MS"
done
for b in '' '{' '{"a":}' '[1,]' 'nul' '{"a":1} x' "$(printf '"\001"')"; do
	expect_400 /echo "bad JSON body" -X POST --data-binary "$b"
done
ok "bad parameters and bodies: 400 with a one-line reason"

expect_status 404 /nope
expect_status 404 /sleep
expect_status 404 /hit/x
for p in / /sleep/1 /cpu/1 /hit /info; do
	curl -s -D "$TMP/h" -o /dev/null -X DELETE "$(url "$p")"
	head -n 1 "$TMP/h" | grep -q ' 405 ' || fail "DELETE $p"
	grep -qi '^Allow: GET, HEAD' "$TMP/h" || fail "Allow for $p"
done
curl -s -D "$TMP/h" -o /dev/null "$(url /echo)"
head -n 1 "$TMP/h" | grep -q ' 405 ' || fail "GET /echo"
grep -qi '^Allow: POST' "$TMP/h" || fail "Allow: POST"
curl -s -I "$(url /)" >"$TMP/h"
head -n 1 "$TMP/h" | grep -q ' 200 ' || fail "HEAD /"
grep -qi '^Content-Length: 14' "$TMP/h" || fail "HEAD Content-Length"
ok "404 for unknown paths, 405 with Allow, HEAD"

expect_status 413 /echo -X POST --data-binary "[$(printf '1,%.0s' $(seq 1 40))1]"
grep -q 'POST /echo => .*(HTTP/1.1 413)' "$TMP/err" || fail "413 not logged"
expect_status 413 /echo -X POST -H 'Transfer-Encoding: chunked' \
    --data-binary "[$(printf '1,%.0s' $(seq 1 40))1]"
expect_status 200 /echo -X POST --data-binary '[1,2,3]'
ok "bodies over --max-body-size get 413 (Content-Length and chunked)"
