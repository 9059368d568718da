#!/bin/bash
# Logs under failure and attack.
#  - An access log that cannot be written (/dev/full, then a full tmpfs):
#    every request is still answered, the error is reported in the error
#    log at most once a second per worker, not once per request, and when
#    space comes back one line says how many access lines were lost.
#  - Request data that reaches a log (the access line, an error line that
#    quotes a request) has its control bytes escaped: it cannot forge a
#    line or send terminal escapes.
. "$(dirname "$0")/lib.sh"

# burst N PATH: N sequential requests, 10 on each keep-alive connection;
# prints how many were answered 200.
burst() {
	python3 - "$PORT" "$1" "$2" <<'EOF'
import sys, httpc
port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ok = 0
s = None
for i in range(n):
    if i % 10 == 0:
        if s:
            s.close()
        s = httpc.connect(port)
    s.sendall(httpc.request(path))
    r = httpc.read_response(s)
    if r is not None and r.status == 200:
        ok += 1
print(ok)
EOF
}

# lines_in_err PATTERN: how many error log lines match
lines_in_err() {
	grep -c -- "$1" "$TMP/err"
}

# 1. /dev/full: 300 requests over about 2.5 s, all answered; 1 to 4 error
#    lines (once a second), not 300.
[ -w /dev/full ] || skip "/dev/full is not available"
start_server --threads 4 --access-log /dev/full
t0=$(date +%s%N)
n=0
for i in 1 2 3 4 5; do
	n=$(( n + $(burst 60 /) ))
	sleep 0.5
done
t1=$(date +%s%N)
[ "$n" = 300 ] || fail "/dev/full: $n of 300 requests answered 200"
ok "access log on /dev/full: 300 of 300 requests answered"
e=$(lines_in_err 'access log /dev/full: No space left on device: .* lines lost so far')
secs=$(( (t1 - t0) / 1000000000 + 1 ))
[ "$e" -ge 1 ] && [ "$e" -le $(( secs + 1 )) ] ||
    fail "/dev/full: $e error lines in about $secs s, expected 1..$(( secs + 1 ))"
ok "the write error was reported $e times in about $secs s, not 300 times"
counts=$(grep -o '[0-9]* lines lost so far' "$TMP/err" | cut -d' ' -f1 | tr '\n' ' ')
echo "$counts" | awk '{ for (i = 2; i <= NF; i++) if ($i <= $(i - 1)) exit 1;
    exit !($1 >= 1 && $NF <= 300) }' ||
    fail "the reported lost-line counts ($counts) do not grow within 1..300"
ok "the reports count the lost lines: $counts"
stop_server || fail "poolserve did not stop cleanly"

# 2. A real file system that fills up and frees again.
MNT=$TMP/mnt
mkdir -p "$MNT"
umount_tmpfs() {
	umount "$MNT" 2>/dev/null
}
if ! mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null; then
	echo "# skipped the full file system case: cannot mount a tmpfs here"
else
	trap 'stop_server >/dev/null 2>&1; umount_tmpfs; cleanup' EXIT
	start_server --threads 4 --access-log "$MNT/access.log"
	[ "$(burst 10 /)" = 10 ] || fail "tmpfs: first 10 requests"
	[ "$(wc -l <"$MNT/access.log")" = 10 ] || fail "tmpfs: 10 access lines expected"
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null	# until ENOSPC
	before=$(wc -l <"$MNT/access.log")
	n=$(burst 200 /)
	[ "$n" = 200 ] || fail "full tmpfs: $n of 200 requests answered 200"
	ok "access log on a full file system: 200 of 200 requests answered"
	after=$(wc -l <"$MNT/access.log")
	e=$(lines_in_err "access log $MNT/access.log: No space left on device")
	[ "$e" -ge 1 ] && [ "$e" -le 4 ] ||
	    fail "full tmpfs: $e error lines for 200 lost access lines"
	ok "ENOSPC reported $e times for 200 requests"
	rm -f "$MNT/fill"
	sync
	[ "$(burst 5 /)" = 5 ] || fail "after freeing space: 5 requests"
	wait_until 5 grep -q 'writing again; [0-9]* lines were lost' "$TMP/err" ||
	    fail "no 'writing again' line after space was freed"
	lost=$(sed -n 's/.*writing again; \([0-9]*\) lines were lost.*/\1/p' "$TMP/err")
	# The file's last page had room for a few lines after the fill.
	[ $(( after - before + lost )) = 200 ] && [ "$lost" -ge 100 ] ||
	    fail "lost $lost + written $(( after - before )) do not account for 200"
	tail -n 5 "$MNT/access.log" | grep -c '=> generated' | grep -qx 5 ||
	    fail "the 5 requests after recovery are not in the access log"
	ok "space freed: written again; $lost lost + $(( after - before )) written = 200"
	stop_server || fail "poolserve did not stop cleanly"
	umount_tmpfs
fi

# 3. Log injection.  A raw request target with control bytes, and a
#    request whose decoded path (%0a, %1b) is quoted in the error log when
#    its client leaves before a thread takes it.
start_server --threads 1 --access-log "$TMP/access"
r=$($CLIENT --port "$PORT" raw --data 'GET /nope\x1b[31m\x7f\xff\\x0a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
case $r in "HTTP/1.1 "*) ;; *) fail "raw request was not answered: $r" ;; esac
wait_until 5 grep -q 'GET /nope' "$TMP/access" || fail "no access line for the raw request"
grep -qF 'GET /nope\x1b[31m\x7f\xff\\x0a => ' "$TMP/access" ||
    fail "access line not escaped: $(grep -a 'GET /nope' "$TMP/access")"
ok "access log: ESC, DEL, 0xff and the backslash escaped in the target"

# One thread, busy for 1 s; meanwhile a request for /x%0a...%1b[2J is sent
# and its client leaves: the thread skips it and logs the decoded path.
curl -s -o /dev/null --max-time 10 "$(url /sleep/1)" &
BUSY=$!
sleep 0.3
python3 - "$PORT" <<'EOF'
import sys, time, httpc
s = httpc.connect(int(sys.argv[1]))
s.sendall(b"GET /x%0a2026-01-01T00:00:00.000000%20poolserve[1]:%20forged%1b[2J"
          b" HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(0.2)
s.close()
EOF
wait_until 5 grep -q 'skipped GET /x' "$TMP/err" || fail "no 'skipped' line"
grep -qF 'skipped GET /x\x0a2026-01-01T00:00:00.000000 poolserve[1]: forged\x1b[2J from 127.0.0.1' \
    "$TMP/err" || fail "error line not escaped: $(grep -a 'skipped' "$TMP/err")"
! grep -q '^2026-01-01T00:00:00.000000 poolserve\[1\]: forged' "$TMP/err" ||
    fail "a forged line reached the error log"
! grep -q "$(printf '\033')" "$TMP/err" "$TMP/access" ||
    fail "an ESC byte reached a log"
ok "error log: a decoded %0a and %1b in a quoted path are escaped"
wait "$BUSY"
stop_server || fail "poolserve did not stop cleanly"
exit 0
