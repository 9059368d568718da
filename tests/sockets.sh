#!/bin/bash
# Listen sockets: several --http, unix:PATH with --chmod-socket, stale and
# busy unix paths, and --reuse-port (one queue per worker, kept across a
# respawn, one more with SIGTTIN, one fewer with SIGTTOU).
. "${TESTS_DIR:-$(dirname "$0")}/lib.sh"

SOCK=$TMP/http.sock

# Three sockets at once: IPv4, IPv6 (when the machine has ::1) and unix.
V6=
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
    2>/dev/null; then
	V6="--http [::1]:0"
fi
# shellcheck disable=SC2086
start_server --http 127.0.0.1:0 $V6 --http "unix:$SOCK" --chmod-socket 660 \
    --access-log "$TMP/access.log"
grep -q "listening on 127\.0\.0\.1:$PORT, .*unix:$SOCK" "$TMP/err" ||
    fail "start-up line does not name every socket: $(head -n 1 "$TMP/err")"
[ "$(get /)" = "Hello, world!" ] || fail "IPv4 socket: $(cat "$TMP/body")"
if [ -n "$V6" ]; then
	V6PORT=$(sed -n 's/.*listening on .*\[::1\]:\([0-9]*\).*/\1/p' "$TMP/err")
	[ "$(curl -s -g --max-time 5 "http://[::1]:$V6PORT/")" = "Hello, world!" ] ||
	    fail "IPv6 socket [::1]:$V6PORT"
fi
[ -S "$SOCK" ] || fail "no unix socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "mode $(stat -c %a "$SOCK"), expected 660"
body=$(curl -s --max-time 5 --unix-socket "$SOCK" http://localhost/hit)
[ "$body" = 1 ] || [ "$body" -ge 1 ] 2>/dev/null || fail "unix socket /hit: '$body'"
wait_until 5 grep -q '^\[pid: .*\] unix: () .*GET /hit' "$TMP/access.log" ||
    fail "access log does not show the unix: peer: $(tail -n 2 "$TMP/access.log")"
grep -q 'TCP_NODELAY\|push the data' "$TMP/err" &&
    fail "TCP option noise for a unix socket in the error log"
ok "IPv4${V6:+, IPv6} and unix: sockets served at once; unix socket mode 660, peer logged as unix:"

# A second server on the same unix path is refused: it is in use.
"$POOLSERVE" --http "unix:$SOCK" >"$TMP/out2" 2>"$TMP/err2" &
P2=$!
wait_until 5 sh -c "! kill -0 $P2 2>/dev/null" || fail "second server on a busy path runs"
wait "$P2"
rc=$?
[ "$rc" = 1 ] || fail "busy unix path: exit $rc"
grep -q "cannot listen on unix:$SOCK (--http): Address already in use" "$TMP/err2" ||
    fail "busy path message: $(cat "$TMP/err2")"
[ -S "$SOCK" ] || fail "the refused server removed the running server's socket"
ok "a unix path in use is refused (exit 1, Address already in use) and left alone"

stop_server
[ -e "$SOCK" ] && fail "the unix socket was not removed on stop"
ok "the unix socket is removed when the server stops"

# A stale socket (its server was killed) is replaced; a plain file is not.
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || fail "could not make a stale socket"
start_server --http "unix:$SOCK"
grep -q "removed the stale socket unix:$SOCK" "$TMP/err" || fail "no stale-socket line"
[ "$(curl -s --max-time 5 --unix-socket "$SOCK" http://localhost/)" = "Hello, world!" ] ||
    fail "not served after replacing the stale socket"
stop_server
touch "$SOCK"
"$POOLSERVE" --http "unix:$SOCK" >"$TMP/out2" 2>"$TMP/err2"
rc=$?
[ "$rc" = 1 ] || fail "a plain file at the unix path: exit $rc"
grep -q "cannot listen on unix:$SOCK (--http): File exists" "$TMP/err2" ||
    fail "plain file message: $(cat "$TMP/err2")"
[ -f "$SOCK" ] || fail "the plain file was removed"
rm -f "$SOCK"
ok "a stale unix socket is replaced (logged); a plain file in the way is an error and kept"

# --chmod-socket needs a unix socket; bad modes name the range.
"$POOLSERVE" --chmod-socket 660 >/dev/null 2>"$TMP/e"
rc=$?
[ "$rc" = 64 ] && grep -q -- "--chmod-socket: needs an --http unix:PATH" "$TMP/e" ||
    fail "--chmod-socket without unix socket: $rc $(cat "$TMP/e")"
"$POOLSERVE" --http "unix:$SOCK" --chmod-socket 999 >/dev/null 2>"$TMP/e"
rc=$?
[ "$rc" = 64 ] && grep -q -- "--chmod-socket: \"999\" is not an octal mode in the range 000 to 777" "$TMP/e" ||
    fail "--chmod-socket 999: $rc $(cat "$TMP/e")"
ok "--chmod-socket without a unix socket or with a bad mode exits 64"

# --reuse-port: one listening socket per worker, each with the backlog.
start_server --reuse-port --processes 2 --threads 2 --listen 64
grep -q "(one socket per worker)" "$TMP/err" || fail "start-up line: no per-worker sockets"
[ "$(ss -Hlnt "sport = :$PORT" | wc -l)" = 2 ] ||
    fail "listening sockets: $(ss -Hlnt "sport = :$PORT")"
[ "$(ss -Hlnt "sport = :$PORT" | awk '{print $3}' | sort -u)" = 64 ] ||
    fail "per-worker backlog: $(ss -Hlnt "sport = :$PORT")"
for i in $(seq 1 40); do
	get /hit >/dev/null
	[ "$(status)" = 200 ] || fail "request $i: $(status)"
done
[ "$(grep -o '^\[pid: [0-9]*' "$TMP/err" | sort -u | wc -l)" = 2 ] ||
    fail "one worker served everything: the kernel should spread connections"
ok "--reuse-port: 2 workers, 2 listening sockets of backlog 64, both serve"

# A killed worker's socket stays open in the master: a client that comes
# while the worker is dead waits in that queue and is served after the
# respawn (not refused), and the socket count stays 2.
victim=$(worker_pids | head -n 1)
kill -STOP "$victim"
# fill connections until some land in the stopped worker's queue
for i in $(seq 1 8); do
	curl -s -o "$TMP/r$i" -w '%{http_code}\n' --max-time 20 "$(url /)" >"$TMP/s$i" &
done
queued() {
	[ "$(ss -Hlnt "sport = :$PORT" | awk '{n += $2} END {print n + 0}')" -ge 1 ]
}
wait_until 5 queued || fail "no client waits in the stopped worker's queue"
kill -KILL "$victim"
kill -CONT "$victim" 2>/dev/null
wait_until 10 grep -q "worker [12] respawned" "$TMP/err" || fail "no respawn"
for i in $(seq 1 8); do
	wait_until 20 test -s "$TMP/s$i" || fail "client $i never answered"
done
for i in $(seq 1 8); do
	[ "$(cat "$TMP/s$i")" = 200 ] || fail "client $i: status $(cat "$TMP/s$i") after the respawn"
done
[ "$(ss -Hlnt "sport = :$PORT" | wc -l)" = 2 ] ||
    fail "sockets after the respawn: $(ss -Hlnt "sport = :$PORT")"
ok "--reuse-port: clients queued for a killed worker are served by its replacement; still 2 sockets"

kill -TTIN "$PID"
wait_until 10 sh -c "[ \$(ss -Hlnt 'sport = :$PORT' | wc -l) = 3 ]" ||
    fail "SIGTTIN: sockets $(ss -Hlnt "sport = :$PORT" | wc -l)"
sleep 0.5
kill -TTOU "$PID"
wait_until 10 sh -c "[ \$(ss -Hlnt 'sport = :$PORT' | wc -l) = 2 ]" ||
    fail "SIGTTOU: sockets $(ss -Hlnt "sport = :$PORT" | wc -l)"
expect_status 200 /
ok "--reuse-port: SIGTTIN adds a socket with its worker, SIGTTOU removes it"

# A reload keeps every slot's socket: the new worker of a slot accepts from
# the queue its predecessor leaves, so per-request load sees no error.
if command -v hey >/dev/null 2>&1; then
	hey -z 3s -c 8 -disable-keepalive "$(url /hit)" >"$TMP/hey" &
	H=$!
	sleep 1; kill -HUP "$PID"; sleep 1; kill -HUP "$PID"
	wait "$H"
	grep -q 'Error distribution' "$TMP/hey" &&
	    fail "--reuse-port reload lost requests: $(sed -n '/Error distribution/,$p' "$TMP/hey")"
	n=$(sed -n 's/^ *\[200\][[:space:]]*\([0-9]*\) responses/\1/p' "$TMP/hey")
	[ -n "$n" ] && [ "$n" -gt 50 ] || fail "hey: $(grep -A3 'Status code' "$TMP/hey")"
	[ "$(ss -Hlnt "sport = :$PORT" | wc -l)" = 2 ] ||
	    fail "sockets after reloads: $(ss -Hlnt "sport = :$PORT" | wc -l)"
	ok "--reuse-port: 2 reloads under per-request load, $n requests, 0 errors, still 2 sockets"
else
	echo "hey is not installed: --reuse-port reload not checked under load"
fi
stop_server
[ "$(ss -Hlnt "sport = :$PORT" | wc -l)" = 0 ] || fail "sockets left after stop"
ok "--reuse-port: no socket left after stop"
