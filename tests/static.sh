#!/bin/bash
# Static files (--static-map /s=DIR): statuses, bodies, headers, validators
# and 304, ranges, methods, directories and index.html, every refusal of a
# path that tries to leave the root or reach what is not served (each with
# its exact status and an error-log line), the openat2 fallback,
# --static-hidden, a bad directory, and a 1 MiB file under 20 parallel
# keep-alive clients.
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
R=$TMP/root
mkdir -p "$R/dir" "$R/noindex" "$R/sub" "$R/.git" "$TMP/outside"
head -c 768 /dev/urandom | base64 -w 64 | head -c 1024 >"$R/small.txt"
head -c $((1048576 + 7)) /dev/urandom >"$R/big.bin"
printf '<p>index</p>\n' >"$R/dir/index.html"
printf 'body { }\n' >"$R/a.css"
printf '{"a":1}\n' >"$R/a.json"
printf 'x\n' >"$R/noindex/file.txt"
printf 'secret\n' >"$R/.hidden"
printf '[core]\n' >"$R/.git/config"
printf 'space and percent\n' >"$R/a b%c.txt"
printf 'literal %%41\n' >"$R/%41.txt"
: >"$R/empty.txt"
printf 'outside\n' >"$TMP/outside/secret.txt"
ln -s small.txt "$R/link-in"
ln -s ../small.txt "$R/sub/link-up"
ln -s /etc/passwd "$R/link-out"
ln -s ../outside/secret.txt "$R/link-out-rel"
ln -s /etc "$R/link-dir-out"
ln -s "$R/small.txt" "$R/link-abs-in"	# absolute, though inside
mkfifo "$R/fifo"
touch -h -d '2024-01-02 03:04:05 UTC' "$R"/* "$R/dir/index.html"
SMALL_ETAG=$(printf '"%x-%x"' "$(stat -c %Y "$R/small.txt")" 1024)
BIG=$(stat -c %s "$R/big.bin")
LASTMOD='Tue, 02 Jan 2024 03:04:05 GMT'
grep -q '^root:' /etc/passwd || skip "/etc/passwd has no root line"

start_server --threads 4 --static-map "/s=$R" --mount /=lab

# head_of PATH [curl options]: GET, headers in $TMP/h, body in $TMP/body,
# status in $TMP/status.
head_of() {
	local path=$1
	shift
	rm -f "$TMP/body"	# curl leaves it alone when there is no body
	curl -s --path-as-is -D "$TMP/h" -o "$TMP/body" -w '%{http_code}' \
	    --max-time 30 "$@" "$(url "$path")" >"$TMP/status"
}
# header NAME: its value in $TMP/h, without the CR
header() {
	tr -d '\r' <"$TMP/h" | sed -n "s/^$1: //Ip" | head -n 1
}
expect_header() {
	[ "$(header "$1")" = "$2" ] ||
	    fail "$1: '$(header "$1")', expected '$2' ($(tr -d '\r' <"$TMP/h" | tr '\n' '|'))"
}
no_passwd() {
	grep -q '^root:' "$TMP/body" && fail "/etc/passwd leaked through $1"
	grep -q '^outside$' "$TMP/body" && fail "a file outside leaked through $1"
	return 0
}

head_of /s/small.txt
[ "$(status)" = 200 ] || fail "/s/small.txt: $(status)"
cmp -s "$TMP/body" "$R/small.txt" || fail "small.txt differs"
expect_header Content-Type "text/plain; charset=utf-8"
expect_header Content-Length 1024
expect_header ETag "$SMALL_ETAG"
expect_header Last-Modified "$LASTMOD"
expect_header Accept-Ranges bytes
head_of /s/big.bin
[ "$(status)" = 200 ] && cmp -s "$TMP/body" "$R/big.bin" || fail "big.bin"
expect_header Content-Type application/octet-stream
expect_header Content-Length "$BIG"
head_of /s/a.css; expect_header Content-Type "text/css; charset=utf-8"
head_of /s/a.json; expect_header Content-Type "application/json; charset=utf-8"
head_of /s/empty.txt
[ "$(status)" = 200 ] && [ ! -s "$TMP/body" ] || fail "empty.txt"
expect_header Content-Length 0
head_of '/s/a%20b%25c.txt'
[ "$(status)" = 200 ] && cmp -s "$TMP/body" "$R/a b%c.txt" || fail "a b%c.txt"
head_of '/s/%2541.txt'		# %25 decodes once to "%": the file "%41.txt"
[ "$(status)" = 200 ] && cmp -s "$TMP/body" "$R/%41.txt" || fail "%41.txt"
head_of /s/link-in
[ "$(status)" = 200 ] && cmp -s "$TMP/body" "$R/small.txt" || fail "link-in"
head_of /s/sub/link-up
[ "$(status)" = 200 ] && cmp -s "$TMP/body" "$R/small.txt" || fail "sub/link-up"
ok "files: bodies, Content-Type, Content-Length, ETag, Last-Modified, Accept-Ranges; symlinks inside"

line=$(grep ' GET /s/small.txt => ' "$TMP/err" | head -n 1)
re='^\[pid: [0-9]+\|app: [0-9]+\|req: [0-9]+/[0-9]+\] 127\.0\.0\.1 \(\) \{[0-9]+ vars in [0-9]+ bytes\} '
re+='\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}\] GET /s/small\.txt => '
re+='generated 1024 bytes in [0-9]+ msecs \(HTTP/1\.1 200\) [0-9]+ headers in [0-9]+ bytes \(thread -\)$'
echo "$line" | grep -Eq "$re" || fail "access line: $line"
# A file above 16 KiB goes by sendfile: its bytes are counted all the same.
grep -Eq ' GET /s/big\.bin => generated '"$BIG"' bytes in [0-9]+ msecs \(HTTP/1\.1 200\) ' \
    "$TMP/err" || fail "access line of a sendfile body: $(grep ' GET /s/big.bin => ' "$TMP/err")"
ok "a static request has its access line, answered by the event loop (thread -)"

# Static files take no thread.  On a keep-alive connection opened before,
# with all 4 threads asleep in the lab and a fifth request waiting, a
# file is still answered at once.  (New connections wait in the listen
# backlog then, static or not: the gate counts connections.)
python3 - "$PORT" "$TMP/err" "$R/small.txt" >"$TMP/busy.out" <<'PY'
import re, socket, sys, time
port, errlog, want = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read()
def processing():
    return open(errlog, errors="replace").read().count("processing request id[")
def get(s, path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536) or sys.exit("closed")
    head, body = buf.split(b"\r\n\r\n", 1)
    n = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])
    while len(body) < n:
        body += s.recv(65536) or sys.exit("closed")
    return head.split(b" ")[1].decode(), body
keep = socket.create_connection(("127.0.0.1", port))
get(keep, b"/s/small.txt")
base = processing()
sleepers = [socket.create_connection(("127.0.0.1", port)) for i in range(5)]
for i, c in enumerate(sleepers):
    c.sendall(b"GET /?id=%d&sleep=3 HTTP/1.1\r\nHost: x\r\n\r\n" % i)
deadline = time.monotonic() + 10
while processing() < base + 4 and time.monotonic() < deadline:
    time.sleep(0.02)
t0 = time.monotonic()
status, body = get(keep, b"/s/small.txt")
ms = int((time.monotonic() - t0) * 1000)
print(status, ms, body == want, processing() - base)
for c in sleepers:
    c.recv(1)
PY
read -r st ms same nproc <"$TMP/busy.out" || fail "busy: $(cat "$TMP/busy.out")"
[ "$nproc" = 4 ] || fail "lab requests running while the file was asked: $nproc, expected 4"
[ "$st $same" = "200 True" ] || fail "a file while every thread sleeps: $st, body alike: $same"
[ "$ms" -lt 1500 ] || fail "a file while every thread sleeps took $ms ms"
wait_until 10 processing_is 5 || fail "the waiting lab request did not run: $(processing_count)"
ok "a file is answered while every thread is busy and a request waits ($ms ms)"

# HEAD: the same headers, no body on the wire.
$CLIENT --port "$PORT" raw --whole \
    --data 'HEAD /s/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
    >"$TMP/head.out"
head -n 1 "$TMP/head.out" | grep -q '^HTTP/1.1 200 ' || fail "HEAD: $(cat "$TMP/head.out")"
[ "$(tail -c 4 "$TMP/head.out" | od -An -c | tr -d ' ')" = '\r\n\r\n' ] ||
    fail "HEAD: a body after the header block: $(tail -c 40 "$TMP/head.out")"
grep -qi "^Content-Length: $BIG" "$TMP/head.out" || fail "HEAD Content-Length"
grep -qi '^ETag: "' "$TMP/head.out" || fail "HEAD ETag"
ok "HEAD: headers, Content-Length of the file, no body"

# expect CODE PATH [curl options]: the status, and no body leak.
expect() {
	local code=$1 path=$2
	shift 2
	head_of "$path" "$@"
	[ "$(status)" = "$code" ] || fail "$path $*: status $(status), expected $code"
}
expect 304 /s/small.txt -H "If-None-Match: $SMALL_ETAG"
[ ! -s "$TMP/body" ] || fail "304 with a body"
expect_header ETag "$SMALL_ETAG"
expect_header Last-Modified "$LASTMOD"
expect_header Content-Type "text/plain; charset=utf-8"
expect 304 /s/a.css -H "If-Modified-Since: $LASTMOD"
expect_header Content-Type "text/css; charset=utf-8"	# a cache updates it
expect 304 /s/small.txt -H "If-None-Match: W/$SMALL_ETAG"
expect 304 /s/small.txt -H "If-None-Match: \"a\", W/\"b\",$SMALL_ETAG"
expect 304 /s/small.txt -H 'If-None-Match: *'
expect 200 /s/small.txt -H 'If-None-Match: "nope"'
expect 304 /s/small.txt -H "If-Modified-Since: $LASTMOD"
expect 304 /s/small.txt -H 'If-Modified-Since: Wed, 01 Jan 2025 00:00:00 GMT'
expect 304 /s/small.txt -H 'If-Modified-Since: Tuesday, 02-Jan-24 03:04:05 GMT'
expect 304 /s/small.txt -H 'If-Modified-Since: Tue Jan  2 03:04:05 2024'
expect 200 /s/small.txt -H 'If-Modified-Since: Tue, 02 Jan 2024 03:04:04 GMT'
expect 200 /s/small.txt -H 'If-Modified-Since: yesterday'
# If-None-Match wins over If-Modified-Since.
expect 200 /s/small.txt -H 'If-None-Match: "nope"' -H "If-Modified-Since: $LASTMOD"
cmp -s "$TMP/body" "$R/small.txt" || fail "200 after a failed If-None-Match"
expect 304 /s/small.txt -I -H "If-None-Match: $SMALL_ETAG"
ok "304: If-None-Match (lists, W/, *), If-Modified-Since (3 date forms), If-None-Match first"

expect 206 /s/big.bin -H 'Range: bytes=0-99'
expect_header Content-Range "bytes 0-99/$BIG"
expect_header Content-Length 100
cmp -s "$TMP/body" <(head -c 100 "$R/big.bin") || fail "bytes=0-99"
expect 206 /s/big.bin -H 'Range: bytes=1000000-'
expect_header Content-Range "bytes 1000000-$((BIG - 1))/$BIG"
cmp -s "$TMP/body" <(tail -c +1000001 "$R/big.bin") || fail "bytes=1000000-"
expect 206 /s/big.bin -H 'Range: bytes=-100'
expect_header Content-Range "bytes $((BIG - 100))-$((BIG - 1))/$BIG"
cmp -s "$TMP/body" <(tail -c 100 "$R/big.bin") || fail "bytes=-100"
expect 206 /s/small.txt -H 'Range: bytes=1000-5000'
expect_header Content-Range "bytes 1000-1023/1024"
expect 206 /s/small.txt -H 'Range: bytes=-5000'
expect_header Content-Range "bytes 0-1023/1024"
expect 416 /s/big.bin -H "Range: bytes=$BIG-"
expect_header Content-Range "bytes */$BIG"
expect 416 /s/small.txt -H 'Range: bytes=-0'
expect 416 /s/empty.txt -H 'Range: bytes=0-'
expect 200 /s/big.bin -H 'Range: bytes=0-9,20-29'
cmp -s "$TMP/body" "$R/big.bin" || fail "several ranges: the whole file"
expect 200 /s/small.txt -H 'Range: bytes=9-2'
expect 200 /s/small.txt -H 'Range: lines=1-2'
expect 206 /s/small.txt -H 'Range: bytes=0-9' -H "If-Range: $SMALL_ETAG"
expect 200 /s/small.txt -H 'Range: bytes=0-9' -H 'If-Range: "old"'
expect 206 /s/small.txt -H 'Range: bytes=0-9' -H "If-Range: $LASTMOD"
expect 200 /s/small.txt -I -H 'Range: bytes=0-9'
ok "Range: 206 with Content-Range, 416 with bytes */SIZE, several ranges or bad ones 200, If-Range, not on HEAD"

for m in POST PUT DELETE PATCH; do
	expect 405 /s/small.txt -X $m
	expect_header Allow "GET, HEAD, OPTIONS"
done
expect 200 /s/small.txt -X OPTIONS
expect_header Allow "GET, HEAD, OPTIONS"
expect_header Content-Length 0
ok "405 with Allow for other methods; OPTIONS 200 with Allow"

expect 301 /s/dir
expect_header Location /s/dir/
expect 301 '/s/dir?x=1&y=%20'
expect_header Location '/s/dir/?x=1&y=%20'
expect 301 /s//dir
expect_header Location /s/dir/
expect 200 /s/dir/
cmp -s "$TMP/body" "$R/dir/index.html" || fail "dir/index.html"
expect_header Content-Type "text/html; charset=utf-8"
expect 200 /s/dir/index.html
expect 403 /s/noindex/
expect 403 /s/
expect 301 /s
expect_header Location /s/
expect 301 '/s?a=b'
expect_header Location '/s/?a=b'
expect 404 /s/small.txt/
ok "directories: 301 to the slash (query kept), index.html, 403 without one"

# The traversal list, sent raw.  raw_get TARGET: status in $TMP/status,
# the whole answer in $TMP/body.
raw_get() {
	$CLIENT --port "$PORT" raw --whole --data "GET ${1//\\/\\\\} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" \
	    >"$TMP/body" || fail "raw client: $1"
	head -n 1 "$TMP/body" | cut -d ' ' -f 2 >"$TMP/status"
}
refusals=0
while read -r code logged target; do
	[ -n "$code" ] && [ "${code#\#}" = "$code" ] || continue
	raw_get "$target"
	[ "$(status)" = "$code" ] || fail "$target: $(status), expected $code"
	no_passwd "$target"
	if [ "$logged" = yes ]; then
		refusals=$((refusals + 1))
		esc=${target//\\/\\\\}
		wait_until 3 grep -qF "static /s: 127.0.0.1: GET $esc: $code, " "$TMP/err" ||
		    fail "no log line for $target"
	fi
done <<'LIST'
# status  static's log line  target
403 yes /s/%2e%2e/%2e%2e/%2e%2e/etc/passwd
403 yes /s/..%2f..%2f..%2fetc/passwd
403 yes /s/../../etc/passwd
403 yes /s/dir/../../../etc/passwd
404 yes /s/%2fetc%2fpasswd
404 yes /s//etc/passwd
404 yes /s/%252e%252e/%252e%252e/etc/passwd
403 yes /s/..\..\..\etc\passwd
403 yes /s/..%5c..%5c..%5cetc%5cpasswd
404 yes /s/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd
404 yes /s/%e0%80%ae%e0%80%ae/etc/passwd
404 yes /s/small.txt%0a
403 yes /s/link-out
403 yes /s/link-out-rel
403 yes /s/link-dir-out/passwd
403 yes /s/link-abs-in
403 yes /s/fifo
404 yes /s/.hidden
404 yes /s/%2ehidden
404 yes /s/.git/config
301 no /s/dir/.
404 yes /s/nope.txt
400 no /s/small.txt%00.html
400 no /s/%00
404 no //etc/passwd
404 no /../../etc/passwd
LIST
n=$(grep -c 'static /s: 127\.0\.0\.1: GET ' "$TMP/err")
# the 403s of /s/noindex/ and /s/ and the 404 of /s/small.txt/ above too
[ "$n" = $((refusals + 3)) ] || fail "$n refusal lines, expected $((refusals + 3))"
grep -q 'GET /s/small.txt%00.html => .*(HTTP/1.1 400)' "$TMP/err" ||
    fail "the 400 of %00 has no access line"
ok "the traversal list: each refused with its status and a log line, /etc/passwd never sent"

# 20 keep-alive clients, 5 fetches of the 1 MiB file each.
pids=()
for c in $(seq 1 20); do
	args=()
	for i in 1 2 3 4 5; do
		args+=(-o "$TMP/par.$c.$i" "$(url /s/big.bin)")
	done
	curl -s --max-time 60 "${args[@]}" &
	pids+=($!)
done
wait "${pids[@]}"
for c in $(seq 1 20); do
	for i in 1 2 3 4 5; do
		cmp -s "$TMP/par.$c.$i" "$R/big.bin" || fail "parallel fetch $c.$i differs"
	done
done
rm -f "$TMP"/par.*
ok "100 fetches of 1 MiB by 20 parallel keep-alive clients arrive intact"
stop_server

# --static-hidden serves dot files; ".." stays refused.
start_server --threads 2 --static-map "/s=$R" --mount /=lab --static-hidden
expect 200 /s/.hidden
[ "$(cat "$TMP/body")" = secret ] || fail "--static-hidden: $(cat "$TMP/body")"
expect 200 /s/.git/config
raw_get /s/%2e%2e/%2e%2e/etc/passwd
[ "$(status)" = 403 ] || fail "--static-hidden: .. gave $(status)"
stop_server
ok "--static-hidden serves dot files, .. is still refused"

# Without openat2 (forced): every symbolic link is refused.
POOLSERVE_STATIC_NO_OPENAT2=1 start_server --threads 2 --static-map "/s=$R" \
    --mount /=lab
expect 200 /s/small.txt
cmp -s "$TMP/body" "$R/small.txt" || fail "walk: small.txt"
expect 200 /s/dir/
expect 403 /s/noindex/
expect 404 /s/nope/x.txt
expect 404 /s/dir/nope
for p in /s/link-in /s/sub/link-up /s/link-out /s/link-out-rel \
    /s/link-dir-out/passwd /s/link-abs-in /s/fifo; do
	expect 403 "$p"
	no_passwd "$p"
done
grep -q 'static /s: 127.0.0.1: GET /s/link-in: 403, a symbolic link (refused without openat2)' \
    "$TMP/err" || fail "walk: no log line for link-in"
stop_server
ok "the fallback without openat2 refuses every symbolic link and serves the rest"

# A missing directory: exit 78, one line naming the option.
"$POOLSERVE" --http 127.0.0.1:0 --static-map "/x=$TMP/nope" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" = 78 ] || fail "missing directory: exit $rc, expected 78 ($(cat "$TMP/e"))"
[ "$(wc -l <"$TMP/e")" = 1 ] || fail "missing directory: not one line: $(cat "$TMP/e")"
grep -qxF -- "poolserve: --static-map /x=$TMP/nope: No such file or directory" "$TMP/e" ||
    fail "missing directory: $(cat "$TMP/e")"
"$POOLSERVE" --http 127.0.0.1:0 --static-map "/x=$R/small.txt" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" = 78 ] && grep -qxF -- "poolserve: --static-map /x=$R/small.txt: Not a directory" "$TMP/e" ||
    fail "a file for a directory: exit $rc, $(cat "$TMP/e")"
ok "--static-map to a missing directory or a file exits 78 naming the option"
