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

# bad_config TEXT MESSAGE: the file holding TEXT fails with exit 78
# (EX_CONFIG), where the same value on the command line exits 64.
bad_config() {
	printf '%s\n' "threads = 2" "$1" >"$TMP/bad.conf"
	"$POOLSERVE" --config "$TMP/bad.conf" --check >/dev/null 2>"$TMP/e"
	[ $? = 78 ] || fail "config '$1': exit code"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "config '$1': not one line"
	grep -qF "$TMP/bad.conf:2: $2" "$TMP/e" || fail "config '$1': $(cat "$TMP/e")"
}
bad_config 'threads = 0' '--threads: "0" is not a whole number in the range 1 to 4096'
bad_config 'colour = blue' 'colour is not a configuration key'
bad_config 'threads 4' 'expected key = value'
bad_config 'check = yes' 'check is not a configuration key'
bad_config 'config = /etc/other' 'config cannot name another config file'
bad_config 'thread = 4' 'thread is not a configuration key'
bad_config 'proc = 3' 'proc is not a configuration key'
bad_config '--threads = 4' '--threads is not a configuration key (write it without the --)'
bad_config 'disable-logging = on' 'disable-logging takes yes, true, no or false, not "on"'
"$POOLSERVE" --config "$TMP/none.conf" --check >/dev/null 2>"$TMP/e"
[ $? = 78 ] && grep -q 'No such file or directory' "$TMP/e" || fail "missing file"
"$POOLSERVE" --threads 0 --check >/dev/null 2>&1
[ $? = 64 ] || fail "--threads 0 on the command line: not 64"
ok "--config errors: file:line: message, exit 78 (the command line's: 64)"

mkdir "$TMP/run"
start_server --threads 1 --pidfile "$TMP/run/poolserve.pid" --chdir "$TMP/run" \
    --access-log access.log
[ "$(cat "$TMP/run/poolserve.pid")" = "$PID" ] || fail "pidfile content"
get / >/dev/null
wait_until 3 test -s "$TMP/run/access.log" || fail "--chdir: access.log not in the dir"
stop_server
[ -e "$TMP/run/poolserve.pid" ] && fail "pidfile left behind"
ok "--pidfile written and removed, --chdir honoured"

# --harakiri cuts: the stuck client's connection is closed at once (curl
# sees an empty reply, 52, not its own timeout, 28), the other thread's
# request finishes within --harakiri-grace, the worker is recycled, and the
# log and the stats say harakiri.  --shutdown-timeout stays at its 30 s.
SPORT=$(free_port)
start_server --threads 2 --harakiri 1 --stats "127.0.0.1:$SPORT"
first=$(worker_pids)
curl -s -o /dev/null -w '%{http_code}' --max-time 6 "$(url '/?id=1&sleep=8')" \
    >"$TMP/stuck" &
STUCK=$!
sleep 0.5
curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$(url '/sleep/2')" \
    >"$TMP/other" &
OTHER=$!
wait "$STUCK"
rc=$?
[ "$rc" = 52 ] && [ "$(cat "$TMP/stuck")" = 000 ] ||
    fail "the stuck client: curl exit $rc, status $(cat "$TMP/stuck") (52 and 000 expected)"
grep -q 'harakiri: GET /?id=1&sleep=8 has run [0-9]* ms on thread w1c[01] (--harakiri 1): its connection closed' "$TMP/err" ||
    fail "no harakiri line"
wait "$OTHER"
[ "$(cat "$TMP/other")" = 200 ] || fail "the other request got $(cat "$TMP/other")"
has_new_worker() { [ -n "$(worker_pids)" ] && [ "$(worker_pids)" != "$first" ]; }
wait_until 10 has_new_worker || fail "the worker was not recycled"
expect_status 200 /
curl -s "http://127.0.0.1:$SPORT/" | grep -q '"harakiri":1,' ||
    fail "stats: $(curl -s "http://127.0.0.1:$SPORT/")"
curl -s "http://127.0.0.1:$SPORT/metrics" |
    grep -q '^poolserve_harakiri_total{worker="1"} 1$' ||
    fail "/metrics has no harakiri count"
stop_server
ok "--harakiri 1: the stuck client closed at once, the other request finished, the worker recycled, logged and counted"

# The shipped example configuration is valid and names every option.
EXAMPLE=$TESTS_DIR/../share/poolserve.conf.example
"$POOLSERVE" --config "$EXAMPLE" --check >/dev/null || fail "example config"
for o in $("$POOLSERVE" --help | grep -o -- '--[a-z-]*' | sort -u); do
	case $o in --check|--help|--version|--config) continue ;; esac
	grep -q "^#${o#--} = " "$EXAMPLE" || fail "$o missing from the example config"
done
ok "share/poolserve.conf.example is valid and shows every option"

# Socket activation: the socket comes from systemd-socket-activate.
if command -v systemd-socket-activate >/dev/null 2>&1; then
	SA=$(free_port)
	SA2=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$SA" -l "127.0.0.1:$SA2" \
	    "$POOLSERVE" --threads 1 --http 127.0.0.1:1 \
	    >"$TMP/sa.out" 2>"$TMP/sa.err" &
	SAPID=$!
	sleep 0.3
	for p in "$SA" "$SA2"; do
		[ "$(curl -s --max-time 5 "http://127.0.0.1:$p/")" = "Hello, world!" ] ||
		    fail "socket activation: no answer on $p: $(cat "$TMP/sa.err")"
	done
	grep -q "listening on 127.0.0.1:$SA, 127.0.0.1:$SA2 (socket activation)" "$TMP/sa.err" ||
	    fail "socket activation: $(cat "$TMP/sa.err")"
	# the start-up line gives the passed socket's backlog, not --listen's
	want=$(ss -Hltn "sport = :$SA" | awk '{ print $3 }')
	grep -q "listen backlog $want," "$TMP/sa.err" ||
	    fail "socket activation: backlog $want not in $(grep -o 'listen backlog [0-9]*' "$TMP/sa.err")"
	kill -TERM "$SAPID"; wait "$SAPID"
	ok "socket activation: serves on both sockets it was given"
else
	echo "systemd-socket-activate not installed: socket activation not checked"
fi
