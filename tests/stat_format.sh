#!/bin/bash
# poolserve-stat against a fake stats endpoint (tests/fake_stats.py): the
# --once table, --json, --watch-csv, the live view in a pty, bad options,
# and missing or hostile servers (one line, exit 1, never a crash).
. "$(dirname "$0")/lib.sh"
need timeout
: "${POOLSTAT:=$(cd "$(dirname "$0")/.." && pwd)/poolserve-stat}"
[ -x "$POOLSTAT" ] || fail "no poolserve-stat binary at $POOLSTAT"
FAKE=
FPORT=

stop_fake() {
	if [ -n "$FAKE" ]; then
		kill "$FAKE" 2>/dev/null
		wait "$FAKE" 2>/dev/null
	fi
	FAKE=
}

# start_fake [fake_stats.py options]: a fresh fake server (its request
# count starts at 0 again); sets FAKE and FPORT
start_fake() {
	stop_fake
	: >"$TMP/fake"
	python3 "$TESTS_DIR/fake_stats.py" --port 0 "$@" >"$TMP/fake" \
	    2>>"$TMP/err" &
	FAKE=$!
	wait_until 5 grep -q '^[0-9][0-9]*$' "$TMP/fake" ||
	    fail "fake_stats.py did not start"
	FPORT=$(head -n 1 "$TMP/fake")
}

# expect_fail RC SUBSTRING ARGS...: exit RC, one line on stderr with it
expect_fail() {
	local want_rc=$1 want=$2 rc
	shift 2
	"$POOLSTAT" "$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	[ "$rc" = "$want_rc" ] ||
	    fail "$*: exit $rc, expected $want_rc: $(head -c 2000 "$TMP/e")"
	[ "$(wc -l <"$TMP/e")" = 1 ] ||
	    fail "$*: not one line: $(head -c 2000 "$TMP/e")"
	grep -qF -- "$want" "$TMP/e" ||
	    fail "$*: '$(cat "$TMP/e")' lacks '$want'"
}

start_fake
"$POOLSTAT" --once "127.0.0.1:$FPORT" >"$TMP/once" 2>"$TMP/e" ||
    fail "--once: exit $?: $(cat "$TMP/e")"
[ -s "$TMP/e" ] && fail "--once wrote to stderr: $(cat "$TMP/e")"
# expect_line REGEX: exactly one line of the --once output matches
expect_line() {
	[ "$(grep -Ec -- "$1" "$TMP/once")" = 1 ] ||
	    fail "--once: no line '$1' in:
$(cat "$TMP/once")"
}
expect_line '^poolserve 0\.1\.0 - master pid 1234 - up 00:00:42 - 2 processes x 2 threads$'
expect_line '^requests 1000 - - req/s - in progress 3/4 - waiting in process 1$'
expect_line '^listen queue 127\.0\.0\.1:8080 5/128$'
expect_line '^WID +PID STATUS +REQUESTS +REQ/S +AVG ms +RSS MB +RUN WAIT RESPAWN$'
expect_line '^ +1 +1235 busy +600 +- +1\.5 +2\.9 +2 +1 +0$'
expect_line '^ +2 +1236 busy +400 +- +2\.5 +3\.0 +1 +0 +1$'
expect_line '^WID CORE +STATE LAST +REQUESTS RUNNING ms +REQUEST$'
expect_line '^ +1 w1c0 +busy +200 +300 +1234 +GET /sleep/5$'
expect_line '^ +1 w1c1 +busy +200 +300 +15 +GET /cpu/20$'
expect_line '^ +2 w2c0 +busy +413 +250 +87 +POST /echo\?q="x"&b=\\&e=\?\?\?\[2J$'
expect_line '^ +2 w2c1 +idle +- +150 +0$'
[ "$(wc -l <"$TMP/once")" = 13 ] || fail "--once: $(wc -l <"$TMP/once") lines"
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177-\377]')" "$TMP/once" &&
    fail "--once printed control or non-ASCII bytes (from a JSON string)"
ok "--once: header, a row per worker and per core, escapes made harmless"

start_fake
"$POOLSTAT" "127.0.0.1:$FPORT" >"$TMP/plain" 2>&1 || fail "no mode, not a tty"
cmp -s "$TMP/once" "$TMP/plain" ||
    fail "no mode with stdout not a tty differs from --once: $(cat "$TMP/plain")"
start_fake --mode chunked
"$POOLSTAT" --once ":$FPORT" >"$TMP/plain" 2>&1 || fail "chunked: $(cat "$TMP/plain")"
cmp -s "$TMP/once" "$TMP/plain" || fail "chunked response: $(cat "$TMP/plain")"
ok "no mode off a tty prints the --once table; chunked responses decode"

start_fake
python3 "$TESTS_DIR/fake_stats.py" --print 0 >"$TMP/doc0"
"$POOLSTAT" --json "127.0.0.1:$FPORT" >"$TMP/json" || fail "--json: exit $?"
cmp -s "$TMP/doc0" "$TMP/json" || fail "--json is not the body: $(cat "$TMP/json")"
ok "--json prints the document byte for byte"

# A hostile server's C1 controls (0x80-0x9f, raw or as UTF-8), CSI and OSC
# sequences, \u001b and invalid UTF-8 in its strings: printed harmlessly
# by every mode that writes to the terminal.
start_fake --mode c1
for mode in --once --json --watch-csv; do
	case $mode in
	--watch-csv) set -- --watch-csv 0.2 ;;
	*) set -- "$mode" ;;
	esac
	timeout --preserve-status -s INT 1 "$POOLSTAT" "$@" "127.0.0.1:$FPORT" \
	    >"$TMP/c1" 2>"$TMP/e"
	rc=$?
	[ "$rc" = 0 ] || fail "$mode, C1 server: exit $rc: $(cat "$TMP/e")"
	[ -s "$TMP/e" ] && fail "$mode, C1 server: stderr: $(cat "$TMP/e")"
	bad=$(LC_ALL=C grep -ao "$(printf '[\001-\010\013-\037\177-\377]')" \
	    "$TMP/c1" | head -n 8 | od -An -tx1)
	[ -n "$bad" ] &&
	    fail "$mode printed control or non-ASCII bytes from the server:$bad"
	[ "$mode" = --json ] && cp "$TMP/c1" "$TMP/c1json"
done
python3 - "$TMP/c1json" "$TESTS_DIR" <<'EOF2' || fail "--json, C1 server: not the same document"
import json, sys
sys.path.insert(0, sys.argv[2])
import fake_stats
out = open(sys.argv[1], "rb").read()
got = json.loads(out)
cores = [c for w in got["workers"] for c in w["cores"]]
# document 1 (--once fetched 0), decoded; a byte that is not UTF-8 is U+FFFD
want = json.loads(fake_stats.hostile(fake_stats.document(1)).decode(
    "utf-8", "replace"))
wcores = [c for w in want["workers"] for c in w["cores"]]
assert cores == wcores, (cores, wcores)
assert cores[1]["uri"] == "/b\x1b]0;t\x07\x9b2J\x85\u202e\U0001f600"
assert got == want
EOF2
ok "a server's C1 controls, escape sequences, invalid UTF-8: --once, --json, --watch-csv print ASCII only; --json is the same document"

start_fake
timeout --preserve-status -s INT 1.1 \
    "$POOLSTAT" --watch-csv 0.2 "127.0.0.1:$FPORT" >"$TMP/csv" 2>"$TMP/e"
rc=$?
[ "$rc" = 0 ] || fail "--watch-csv: exit $rc after SIGINT: $(cat "$TMP/e")"
[ "$(head -n 1 "$TMP/csv")" = "time,in_progress,listen_queue,waiting,req_per_s" ] ||
    fail "--watch-csv header: $(head -n 1 "$TMP/csv")"
[ "$(wc -l <"$TMP/csv")" -ge 4 ] || fail "--watch-csv: $(cat "$TMP/csv")"
tail -n +2 "$TMP/csv" | grep -Evq '^[0-9]+\.[0-9]{3},3,5,1,[0-9]+\.[0-9]$' &&
    fail "--watch-csv line format: $(cat "$TMP/csv")"
[ "$(sed -n 2p "$TMP/csv" | cut -d, -f5)" = 0.0 ] ||
    fail "first req_per_s is not 0.0: $(cat "$TMP/csv")"
# 50 more requests a fetch: the rate is 50 over the time between the two
# lines, however long the interval really was
sed -n '2,3p' "$TMP/csv" | awk -F, 'NR == 1 { t = $1 }
    NR == 2 { want = 50 / ($1 - t); d = $5 - want; a = d < 0 ? -d : d
    exit !(a <= want * 0.05 + 0.1) }' ||
    fail "second req_per_s is not 50 / the time between the lines: $(cat "$TMP/csv")"
ok "--watch-csv: header, a line per interval, req/s from the delta, SIGINT exits 0"

start_fake --lifetime 1
timeout 10 "$POOLSTAT" --watch-csv 0.2 "127.0.0.1:$FPORT" >"$TMP/csv" 2>"$TMP/e"
rc=$?
[ "$rc" = 1 ] || fail "--watch-csv after the server stopped: exit $rc"
[ "$(wc -l <"$TMP/e")" = 1 ] || fail "not one line: $(cat "$TMP/e")"
grep -q "^poolserve-stat: 127\.0\.0\.1:$FPORT: " "$TMP/e" || fail "$(cat "$TMP/e")"
[ "$(wc -l <"$TMP/csv")" -ge 2 ] || fail "no CSV before the server stopped"
ok "--watch-csv exits 1 with one line when the server stops answering"

for a in 0 0.05 3601 abc -1 1e3 .5 1. ''; do
	expect_fail 64 "--interval: \"$a\" is not a number of seconds in the range 0.1 to 3600" \
	    --interval "$a" 127.0.0.1:9191
	expect_fail 64 "--watch-csv: \"$a\" is not a number of seconds in the range 0.1 to 3600" \
	    --watch-csv "$a" 127.0.0.1:9191
done
expect_fail 64 "--interval: needs a value in the range 0.1 to 3600" --interval
expect_fail 64 "--watch-csv: needs a value in the range 0.1 to 3600" --watch-csv
expect_fail 64 "unknown option --bogus" --bogus 127.0.0.1:9191
expect_fail 64 "unknown option -x" -x 127.0.0.1:9191
expect_fail 64 "--once: takes no value" --once=1 127.0.0.1:9191
expect_fail 64 "exclude each other" --once --json 127.0.0.1:9191
expect_fail 64 "exclude each other" --json --watch-csv 1 127.0.0.1:9191
expect_fail 64 "--interval: only for the live view" --once --interval 2 127.0.0.1:9191
expect_fail 64 "missing addr:port" --once
expect_fail 64 'unexpected argument "b:2"' --once a:1 b:2
for a in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 1.2.3:80 '[::1:80' host:80 : ''; do
	expect_fail 64 "addr:port: \"$a\" is not ADDR:PORT with port 1 to 65535" --once "$a"
done
"$POOLSTAT" --version | grep -qx 'poolserve-stat 0\.1\.0' || fail "--version"
"$POOLSTAT" -h | grep -q '^usage: poolserve-stat' || fail "-h"
ok "bad options exit 64 naming the option and its range; --help, --version"

start_fake
closed=$FPORT
stop_fake
expect_fail 1 "poolserve-stat: 127.0.0.1:$closed: cannot connect: Connection refused" \
    --once "127.0.0.1:$closed"
expect_fail 1 "poolserve-stat: 127.0.0.1:$closed: cannot connect" --json ":$closed"
expect_fail 1 "poolserve-stat: 127.0.0.1:$closed: cannot connect" \
    --watch-csv 1 "127.0.0.1:$closed"
[ -s "$TMP/o" ] && fail "--watch-csv printed CSV without a server"
ok "a closed port: exit 1, one line"

# hostile_case MODE EXPECTED: --once and --json exit 1 with one clear line
hostile_case() {
	start_fake --mode "$1"
	expect_fail 1 "poolserve-stat: 127.0.0.1:$FPORT: $2" --once "127.0.0.1:$FPORT"
	[ "$1" = badvalue ] ||
	    expect_fail 1 "poolserve-stat: 127.0.0.1:$FPORT: $2" --json "127.0.0.1:$FPORT"
}
start_fake --broken
expect_fail 1 "poolserve-stat: 127.0.0.1:$FPORT: bad JSON at byte " --once "127.0.0.1:$FPORT"
expect_fail 1 "bad JSON at byte " --json "127.0.0.1:$FPORT"
[ -s "$TMP/o" ] && fail "--json printed a truncated document"
hostile_case deep "bad JSON at byte 32: nested deeper than 32"
hostile_case huge "response body of 5242890 bytes is over the limit"
hostile_case error "HTTP status 500 Internal Server Error (expected 200)"
hostile_case garbage "not an HTTP/1.x response"
hostile_case badvalue 'unexpected stats document: "workers[1].pid" is not a number'
start_fake --mode silent
expect_fail 1 "no answer within 2 s (waiting for the response)" --once "127.0.0.1:$FPORT"
ok "truncated, deep, huge, failed, non-HTTP, mistyped and silent servers: exit 1, one line"

# live_view NO_COLOR-VALUE QUIT: the live view in a pty, 100x30, made
# narrow and wide again, then ended with "q" or SIGTERM; prints "ok" or
# the reason it failed
live_view() {
	python3 - "$POOLSTAT" "127.0.0.1:$FPORT" "$1" "$2" <<'EOF'
import fcntl, os, pty, re, select, signal, struct, subprocess, sys, termios, time
stat, addr, nocolor, how = sys.argv[1:5]
def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    winsize(0, 30, 100)
    os.environ["TERM"] = "xterm"
    if nocolor:
        os.environ["NO_COLOR"] = nocolor
    else:
        os.environ.pop("NO_COLOR", None)
    os.execvp("sh", ["sh", "-c", 'stty -g; "$0" --interval 0.2 "$1"; '
                     'echo "rc=$?"; stty -g', stat, addr])
out = b""
def read_until(pattern, limit=5.0):
    global out
    end = time.monotonic() + limit
    while not re.search(pattern, out, re.S):
        left = end - time.monotonic()
        if left <= 0:
            return False
        if select.select([fd], [], [], left)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return bool(re.search(pattern, out, re.S))
            if not data:
                return bool(re.search(pattern, out, re.S))
            out += data
    return True
def die(msg):
    print("%s; output: %r" % (msg, out[-3000:]))
    sys.exit(1)
if not read_until(rb"\x1b\[\?1049h.*poolserve 0\.1\.0 - master pid 1234", ):
    die("no alternate screen and header")
if not read_until(rb"requests [0-9]+ - [0-9]+\.[0-9] req/s"):
    die("no req/s after a refresh")
winsize(fd, 30, 30)
if not read_until(rb"\x1b\[Hterminal too narrow, need 40\x1b\[K"):
    die("no narrow-terminal message")
mark = len(out)
winsize(fd, 30, 100)
if not read_until(rb"too narrow.*WID CORE", 3):
    die("no redraw after widening")
if how == "q":
    os.write(fd, b"q")
else:
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                          text=True).stdout.split()
    if not kids:
        die("no poolserve-stat process")
    os.kill(int(kids[0]), signal.SIGTERM)
if not read_until(rb"rc=\d+\r\n[0-9a-f:]+\r\n"):
    die("did not exit")
os.waitpid(pid, 0)
if b"rc=0" not in out:
    die("exit status not 0")
if out.rfind(b"\x1b[?1049l") < out.rfind(b"\x1b[?1049h"):
    die("alternate screen not left")
if out.rfind(b"\x1b[?25h") < out.rfind(b"\x1b[?25l"):
    die("cursor not shown again")
modes = re.findall(rb"^[0-9a-f]+(?::[0-9a-f]+){10,}\r$", out, re.M)
if len(modes) != 2 or modes[0] != modes[1]:
    die("terminal mode not restored: %r" % modes)
if bool(nocolor) == (b"\x1b[1m" in out):
    die("bold with NO_COLOR=%r" % nocolor)
for line in out.split(b"\r\n"):
    visible = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", line)
    if len(visible) > 100:
        die("a line wider than the terminal: %r" % visible)
print("ok")
EOF
}
need pgrep
start_fake
res=$(live_view "" q) || fail "live view, q: $res"
ok "live view in a pty: alternate screen, header, refresh, narrow message, q restores the terminal"
res=$(live_view 1 TERM) || fail "live view, SIGTERM: $res"
ok "live view: SIGTERM exits 0 and restores the terminal; NO_COLOR means no bold"

if command -v mandoc >/dev/null 2>&1; then
	man=$TESTS_DIR/../man/poolserve-stat.1
	out=$(mandoc -Tlint -W warning "$man" 2>&1)
	[ -z "$out" ] || fail "mandoc -Tlint: $out"
	for o in $("$POOLSTAT" --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -Eq -- "^\.It .*Fl \\\\${o#-}( |\$)" "$man" ||
		    fail "$o has no .It entry in poolserve-stat.1"
	done
	ok "poolserve-stat.1 is clean mdoc and documents every option"
fi
