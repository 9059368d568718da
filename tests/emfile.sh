#!/bin/bash
# Out of file descriptors at accept() (EMFILE): the worker logs it at most
# once a second, backs off instead of spinning on the readable listen
# socket (a few accept() calls a second, counted with strace), keeps
# serving the connections it has,
# and takes the waiting clients as soon as descriptors are free again.
#
# poolserve raises its own limit to --max-connections + 32 at start-up, so
# its connections alone never reach EMFILE; here the worker's soft limit is
# lowered while it runs (prlimit(2)) to exactly the descriptors it holds.
. "$(dirname "$0")/lib.sh"
need strace prlimit

HELD=6
start_server --threads 4 --keepalive-timeout 60
W=$(worker_pids)
[ "$(echo "$W" | wc -l)" = 1 ] || fail "expected one worker, got: $W"

# HELD keep-alive connections, one request each, then idle.  On "more" the
# holder sends one more request on its first connection; on "close" it
# closes them all.
mkfifo "$TMP/ctl"
python3 - "$PORT" "$HELD" "$TMP" >"$TMP/holder" <<'EOF' &
import sys, httpc
port, n, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctl = open(tmp + "/ctl")
def ask(s):
    s.sendall(httpc.request("/hit"))
    r = httpc.read_response(s)
    return str(r.status) if r is not None else "closed"
conns = []
for i in range(n):
    s = httpc.connect(port, 20)
    conns.append((s, ask(s)))
print("ready", " ".join(c[1] for c in conns), flush=True)
for line in ctl:
    if line.strip() == "more":
        print("more", ask(conns[0][0]), flush=True)
    elif line.strip() == "close":
        break
for s, _ in conns:
    s.close()
print("closed", flush=True)
EOF
HOLDER=$!
exec 7>"$TMP/ctl"
wait_until 10 grep -q '^ready' "$TMP/holder" || fail "holder did not connect"
grep -qx "ready$(printf ' 200%.0s' $(seq $HELD))" "$TMP/holder" ||
    fail "holder: $(cat "$TMP/holder")"

# The limit bounds descriptor numbers: set it to the lowest free one.
nfd=$(ls "/proc/$W/fd" | sort -n | awk '$1 != NR - 1 { print NR - 1; f = 1; exit }
    END { if (!f) print NR }')
prlimit --pid "$W" --nofile="$nfd:$(prlimit --pid "$W" --nofile --raw \
    --noheadings --output HARD)" || skip "prlimit cannot lower the worker's limit"
ok "worker $W: descriptors 0..$(( nfd - 1 )) taken ($HELD connections); soft limit set to $nfd"

# Three new clients: accept() fails, they wait in the listen backlog.
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 20 \
	    "$(url /)" >"$TMP/new$i" &
done
wait_until 5 grep -q "worker 1: accept: Too many open files; backing off" \
    "$TMP/err" || fail "no EMFILE line in the error log"
ok "EMFILE logged: $(grep -m1 -o 'worker 1: accept: .*' "$TMP/err")"

# The worker's accept() calls for 3 s: after each EMFILE it pauses 100 ms,
# so about 30 fail; one spinning on the readable socket makes thousands.
l0=$(grep -c 'accept: Too many open files' "$TMP/err")
timeout -s INT 3 strace -f -qq -e trace=accept4 -e signal=none -p "$W" \
    2>"$TMP/strace"
l1=$(grep -c 'accept: Too many open files' "$TMP/err")
n=$(grep -c 'EMFILE' "$TMP/strace")
grep -q 'attach' "$TMP/strace" && [ "$n" = 0 ] &&
    skip "strace cannot attach here: $(head -n 1 "$TMP/strace")"
[ "$n" -ge 3 ] && [ "$n" -le 60 ] ||
    fail "$n accept() calls failed with EMFILE in 3 s, expected 3..60 (a 100 ms pause after each)"
ok "$n accept() calls failed with EMFILE in 3 s: it backs off"
[ $(( l1 - l0 )) -ge 2 ] && [ $(( l1 - l0 )) -le 4 ] ||
    fail "$(( l1 - l0 )) EMFILE lines in 3 s, expected 2..4 (once a second)"
ok "$(( l1 - l0 )) EMFILE lines in 3 s: once a second"
for i in 1 2 3; do
	[ -s "$TMP/new$i" ] && fail "new client $i was answered while out of descriptors"
done
[ "$(listen_queue | cut -d' ' -f1)" = 3 ] ||
    fail "listen queue $(listen_queue), expected 3 waiting"
ok "the 3 new clients wait in the listen backlog (Recv-Q 3)"

# The connections the worker has are still served.
echo more >&7
wait_until 5 grep -q '^more' "$TMP/holder" || fail "no answer on a held connection"
grep -qx 'more 200' "$TMP/holder" || fail "held connection: $(grep more "$TMP/holder")"
ok "a kept-alive connection is still served while accept() fails"

# Free descriptors: the waiting clients are taken and answered.
t0=$(date +%s%N)
echo close >&7
exec 7>&-
wait "$HOLDER"
for i in 1 2 3; do
	wait_until 5 test -s "$TMP/new$i" || fail "new client $i not answered after recovery"
	[ "$(cut -d' ' -f1 "$TMP/new$i")" = 200 ] || fail "new client $i: $(cat "$TMP/new$i")"
done
t1=$(date +%s%N)
ok "descriptors freed: the 3 waiting clients answered 200 within $(( (t1 - t0) / 1000000 )) ms"
expect_status 200 /
[ "$(listen_queue | cut -d' ' -f1)" = 0 ] || fail "listen queue $(listen_queue) after recovery"
stop_server || fail "poolserve did not stop cleanly"
exit 0
