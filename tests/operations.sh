#!/bin/bash
# Operator options: --config files (the command line wins, errors name
# file and line), --pidfile, --chdir, --harakiri.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/poolserve.conf" <<'CONF'
# a comment, then a blank line

threads = 3
processes=2   # trailing comment
queue = 4
disable-logging = yes
stats-allow-remote = no
CONF
out=$("$POOLSERVE" --config "$TMP/poolserve.conf" --check) || fail "--config: $out"
echo "$out" | grep -q '2 processes x 3 threads = 6 .* in-process queue 4' ||
    fail "file values not used: $out"
out=$("$POOLSERVE" --config "$TMP/poolserve.conf" --threads 5 --check)
echo "$out" | grep -q '2 processes x 5 threads' || fail "command line must win: $out"
ok "--config: file values used, the command line overrides them"

# bad_config TEXT MESSAGE: the file holding TEXT fails with exit 64.
bad_config() {
	printf '%s\n' "threads = 2" "$1" >"$TMP/bad.conf"
	"$POOLSERVE" --config "$TMP/bad.conf" --check >/dev/null 2>"$TMP/e"
	[ $? = 64 ] || fail "config '$1': exit code"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "config '$1': not one line"
	grep -qF "$TMP/bad.conf:2: $2" "$TMP/e" || fail "config '$1': $(cat "$TMP/e")"
}
bad_config 'threads = 0' '--threads: "0" is not a whole number in the range 1 to 4096'
bad_config 'colour = blue' 'unknown option --colour'
bad_config 'threads 4' 'expected key = value'
bad_config 'check = yes' 'check is not a configuration key'
bad_config 'config = /etc/other' 'config cannot name another config file'
"$POOLSERVE" --config "$TMP/none.conf" --check >/dev/null 2>"$TMP/e"
[ $? = 64 ] && grep -q 'No such file or directory' "$TMP/e" || fail "missing file"
ok "--config errors: file:line: message, exit 64"

mkdir "$TMP/run"
start_server --threads 1 --pidfile "$TMP/run/poolserve.pid" --chdir "$TMP/run" \
    --access-log access.log
[ "$(cat "$TMP/run/poolserve.pid")" = "$PID" ] || fail "pidfile content"
get / >/dev/null
wait_until 3 test -s "$TMP/run/access.log" || fail "--chdir: access.log not in the dir"
stop_server
[ -e "$TMP/run/poolserve.pid" ] && fail "pidfile left behind"
ok "--pidfile written and removed, --chdir honoured"

start_server --threads 2 --harakiri 1 --shutdown-timeout 1
first=$(worker_pids)
curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$(url '/?id=1&sleep=8')" \
    >"$TMP/stuck" &
STUCK=$!
wait_until 5 grep -q 'harakiri: GET /?id=1&sleep=8 has run [0-9]* ms on thread w1c[01] (--harakiri 1)' "$TMP/err" ||
    fail "no harakiri line"
wait "$STUCK"
[ "$(cat "$TMP/stuck")" = 000 ] || fail "the stuck client got $(cat "$TMP/stuck")"
wait_until 5 test -n "$(worker_pids)" || fail "no worker"
[ "$(worker_pids)" != "$first" ] || fail "the worker was not recycled"
expect_status 200 /
ok "--harakiri 1: the stuck request is logged, its worker recycled, the client closed"
