#!/bin/bash
# Every bad option exits 64 with one line naming the option and its range;
# run-time failures exit 1 with one clear line; --check, --help, --version.
. "$(dirname "$0")/lib.sh"

# expect_bad EXPECTED-SUBSTRING ARGS...
expect_bad() {
	local want=$1
	shift
	"$POOLSERVE" "$@" >"$TMP/o" 2>"$TMP/e"
	local rc=$?
	[ "$rc" = 64 ] || fail "$*: exit $rc, expected 64"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "$*: not one line: $(cat "$TMP/e")"
	grep -qF -- "$want" "$TMP/e" || fail "$*: '$(cat "$TMP/e")' lacks '$want'"
}

while IFS='|' read -r opt range bad; do
	for v in $bad abc -1 1x ''; do
		expect_bad "$opt: " "$opt" "$v"
	done
	expect_bad "$range" "$opt" abc
done <<'LIST'
--processes|1 to 256|0 257
--threads|1 to 4096|0 4097
--listen|1 to 65535|0 65536
--queue|0 to 65535|65536
--keepalive-timeout|0 to 3600|3601
--read-timeout|1 to 3600|0 3601
--request-grace|10 to 60000|9 60001
--max-connections|1 to 1048576|0 1048577
--max-body-size|0 to 1073741824|1073741825
--max-header-size|1024 to 1048576|1023 1048577
--queue-warn|0 to 3600000|3600001
--shutdown-timeout|1 to 3600|0 3601
--max-requests|0 to 1000000000|1000000001
--max-requests-jitter|0 to 1000000000|1000000001
--harakiri|0 to 86400|86401
LIST
ok "every numeric option: out of range and non-numbers exit 64 naming the range"

expect_bad "--threads: needs a value in the range 1 to 4096" --threads
expect_bad "unknown option --bogus" --bogus
expect_bad "unknown option -x" -x
expect_bad 'unexpected argument "extra"' extra
for a in 1.2.3:80 127.0.0.1 127.0.0.1:65536 '[::1:80' 'host:80' ':'; do
	expect_bad "--http: \"$a\" is not ADDR:PORT" --http "$a"
done
expect_bad "--access-log: needs a file name" --access-log ''
ok "missing values, unknown options, bad addresses exit 64"

"$POOLSERVE" --check --threads 4 --processes 2 >"$TMP/o" 2>&1 ||
    fail "--check failed: $(cat "$TMP/o")"
grep -q 'configuration ok: 2 processes x 4 threads' "$TMP/o" || fail "$(cat "$TMP/o")"
"$POOLSERVE" --version | grep -q '^poolserve [0-9.]* (libmicrohttpd ' ||
    fail "--version"
"$POOLSERVE" --help | grep -q '^usage: poolserve' || fail "--help"
for o in $("$POOLSERVE" --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q -- "$o" <("$POOLSERVE" --help) || fail "$o"
done
ok "--check, --version, --help"

"$POOLSERVE" --check --listen 100000 >/dev/null 2>&1 && fail "--listen 100000"
somax=$(cat /proc/sys/net/core/somaxconn)
if [ "$somax" -lt 65535 ]; then
	"$POOLSERVE" --check --listen $((somax + 1)) 2>"$TMP/e" >/dev/null ||
	    fail "--listen above somaxconn must still start"
	grep -q "above net.core.somaxconn ($somax): the kernel will cap" "$TMP/e" ||
	    fail "no somaxconn warning: $(cat "$TMP/e")"
	ok "--listen above somaxconn warns"
fi

# Run-time failures: exit 1, one line.
start_server --threads 1
"$POOLSERVE" --http "127.0.0.1:$PORT" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" = 1 ] || fail "port in use: exit $rc"
grep -q "cannot listen on 127.0.0.1:$PORT (--http): Address already in use" "$TMP/e" ||
    fail "port in use: $(cat "$TMP/e")"
[ "$(wc -l <"$TMP/e")" = 1 ] || fail "port in use: not one line"
"$POOLSERVE" --http 192.0.2.1:8080 >"$TMP/o" 2>"$TMP/e"
[ $? = 1 ] || fail "address not available: exit code"
grep -q "cannot listen on 192.0.2.1:8080 (--http): Cannot assign requested address" "$TMP/e" ||
    fail "bad address: $(cat "$TMP/e")"
ok "a port in use and an address not on this host exit 1 with one line"

# A start-up that fails late (the --stats port in use) leaves nothing:
# the unix: socket file it had made is removed, no pidfile is left.
"$POOLSERVE" --http "unix:$TMP/late.sock" --pidfile "$TMP/late.pid" \
    --stats "127.0.0.1:$PORT" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" = 1 ] || fail "--stats port in use: exit $rc"
grep -q "cannot listen on 127.0.0.1:$PORT (--stats): Address already in use" "$TMP/e" ||
    fail "--stats port in use: $(cat "$TMP/e")"
[ -e "$TMP/late.sock" ] && fail "the unix: socket file was left behind"
[ -e "$TMP/late.pid" ] && fail "the pidfile was left behind"
ok "a start-up that fails at --stats leaves no socket file and no pidfile"

"$POOLSERVE" --http 127.0.0.1:8080 --http 127.0.0.1:8080 --check >/dev/null 2>"$TMP/e"
[ $? = 64 ] && grep -qx 'poolserve: --http: 127.0.0.1:8080 is given twice' "$TMP/e" ||
    fail "the same --http twice: $(cat "$TMP/e")"
ok "the same --http twice is a usage error"

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 1000000 ]; then
	"$POOLSERVE" --check --max-connections 1000000 2>"$TMP/e" >/dev/null
	[ $? = 1 ] || fail "--max-connections above the fd limit: exit code"
	grep -q 'file descriptors per worker but the limit is' "$TMP/e" ||
	    fail "$(cat "$TMP/e")"
	ok "--max-connections beyond RLIMIT_NOFILE exits 1"
fi
