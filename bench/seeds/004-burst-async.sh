#!/bin/bash
# Seed 004's last test: 10,000 requests in 10 s (JMeter: 10000 users
# started over 10 s, one request each) to the seed's async view (an
# `async def index()` sleeping 800 s) on Flask's app.run(), where the
# seed's Flask failed with "RuntimeError: can't start new thread" at
# about request 2049 (a limit the seed ties to `ulimit -u`, 2784 on its
# Mac) after it had raised `ulimit -n` to 10240 against "Too many open
# files".  The same burst goes to the seed's uWSGI command for the async
# view and to poolserve running the same app, with and without
# --max-wait.
#
#   bench/seeds/004-burst-async.sh [-q] [-n REQUESTS] [-d SECONDS] [SERVER...]
#
# -n 10000 -d 10 are the seed's (about 1 minute per server); -q is
# -n 2000 -d 2 (the seed's rate for 2 s; the report goes to the scratch
# directory, see common.sh).  SERVERs, in this order by default (the app
# is apps/004/app.py with SEED_VIEW=async, SEED_SLEEP=800):
#   werkzeug-async      python3 app.py (app.run(), threaded) under the
#                       seed's `ulimit -n 10240` and `ulimit -u 2784`
#   werkzeug-async256   the same under `ulimit -n 256` (macOS's default,
#                       the seed's before it raised it)
#   uwsgi2-async        uwsgi --http :PORT --wsgi-file app.py --callable app
#                       --threads 2 (the seed's uWSGI command for the async
#                       view), `ulimit -n 10240`
#   poolserve-flask     poolserve --threads 10 --wsgi app:app, `ulimit -n 10240`
#   poolserve-maxwait   the same with --max-wait 5000
# The werkzeug rows run as an unprivileged user id (SEED_UID, default the
# first of 64000... that no process and no passwd entry uses): Linux
# does not hold root to `ulimit -u`, and a Flask without that bound would
# start 20,000 threads, most of the machine's 32768 process ids.
# Each server runs alone on a free loopback port; SETTLE (10) s after the
# last request is due: the snapshot (ESTABLISHED, the listen socket's
# Recv-Q/Send-Q, clients in SYN-SENT, requests in progress from the app's
# log and poolserve's stats, the server's processes, threads and open
# files, the errors in its log, JMeter's started threads and its samples
# finished so far by kind), then the server is stopped and JMeter told to
# stop.
. "$(dirname "$0")/common.sh"

n=10000 dur=10
while getopts "qn:d:" opt; do
	case $opt in
	q) n=2000 dur=2 ;;
	n) n=$OPTARG ;;
	d) dur=$OPTARG ;;
	*) echo "usage: ${0##*/} [-q] [-n REQUESTS] [-d SECONDS] [SERVER...]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 20000 ] ||
    { echo "${0##*/}: -n must be 1 to 20000" >&2; exit 64; }
[[ $dur =~ ^[1-9][0-9]*$ ]] && [ "$dur" -le 600 ] ||
    { echo "${0##*/}: -d must be 1 to 600 (seconds)" >&2; exit 64; }
servers=("$@")
[ ${#servers[@]} -gt 0 ] ||
    servers=(werkzeug-async werkzeug-async256 uwsgi2-async poolserve-flask \
	poolserve-maxwait)
for s in "${servers[@]}"; do
	case $s in
	werkzeug-async|werkzeug-async256|uwsgi2-async) ;;
	poolserve-flask|poolserve-maxwait) ;;
	*) echo "${0##*/}: unknown server $s" >&2; exit 64 ;;
	esac
done
: "${SETTLE:=10}"
NOFILE=10240 NPROC=2784

need_pkgs python3-flask python3-asgiref uwsgi uwsgi-plugin-python3 jmeter \
    default-jdk-headless
need_poolserve
mode=
[ "$n $dur" = "10000 10" ] || mode=quick
report 004-burst $mode
APP=$APPS/004

# free_uid: a user id that no process and no passwd entry uses
free_uid() {
	local u
	for u in $(seq 64000 64999); do
		getent passwd "$u" >/dev/null && continue
		pgrep -U "$u" >/dev/null && continue
		echo "$u"
		return 0
	done
	die "no free user id in 64000-64999"
}
: "${SEED_UID:=$(free_uid)}"

# log_counts LOG: "can't start new thread" / "Too many open files" /
# Flask's 500s / connections werkzeug dropped / poolserve's shed lines,
# each as a count of the phrase in the server's log
log_counts() {
	local p c=()
	for p in "can't start new thread" 'Too many open files' \
	    'Exception on / \[GET\]' 'Exception occurred during processing of request' \
	    ': shed GET'; do
		c+=("$(grep -o "$p" "$1" | wc -l)")
	done
	echo "${c[*]}"
}

# taken_before_failure LOG: how many requests the app had begun when the
# server's log showed its first failure (Flask's "Exception on /" or
# socketserver's "Exception occurred"), "-" when none failed.  JMeter's
# ids come out of order when it starts many threads at once, so the
# order of the log is counted, not the ids.
taken_before_failure() {
	awk '/ERROR in app: Exception on|Exception occurred during processing/ {
		print n; found = 1; exit }
	{ n += gsub(/processing request id/, "&") }
	END { if (!found) print "-" }' "$1"
}

# wait_started JTLDIR N SECONDS: until JMeter's log shows N threads
# started, at most SECONDS
wait_started() {
	for _ in $(seq 1 $(($3 * 2))); do
		[ "$(grep -c 'Thread started:' "$1/jmeter.log" 2>/dev/null)" -ge "$2" ] &&
		    return 0
		sleep 0.5
	done
}

# fd_kinds PGID: "SOCKETS EPOLLS OTHERS", the open files of the group by kind
fd_kinds() {
	local pid
	for pid in $(pgrep -g "$1"); do
		find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null
	done | awk '/^socket:/ { s++; next } /eventpoll/ { e++; next } { o++ }
	    END { printf "%d %d %d\n", s, e, o }'
}

# jtl_kinds JTL EPOCH_MS N: JMeter's samples finished by EPOCH_MS, by kind:
# "200 500 503 other-status refused reset closed timeout other pending",
# then the most frequent other message
jtl_kinds() {
	python3 - "$1" "$2" "$3" <<'PY'
import csv, os, sys
path, cut, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = list(csv.DictReader(open(path, newline=""))) if os.path.exists(path) else []
k = dict.fromkeys("ok e500 e503 code refused reset closed timeout other".split(), 0)
others = {}
done = 0
for r in rows:
    if int(r["timeStamp"]) + int(r["elapsed"]) > cut:
        continue
    done += 1
    code, msg = r["responseCode"], r["responseMessage"]
    if code == "200": k["ok"] += 1
    elif code == "500": k["e500"] += 1
    elif code == "503": k["e503"] += 1
    elif code.isdigit(): k["code"] += 1
    elif "refused" in msg: k["refused"] += 1
    elif "reset" in msg: k["reset"] += 1
    elif "failed to respond" in msg: k["closed"] += 1
    elif "timed out" in msg: k["timeout"] += 1
    else:
        k["other"] += 1
        m = msg.replace("Non HTTP response message: ", "")[:60]
        others[m] = others.get(m, 0) + 1
top = max(others, key=others.get) if others else "-"
print(" ".join(str(v) for v in k.values()), n - done, top.replace(" ", "_"))
PY
}

# jmeter_started LOG EPOCH_MS: "STARTED SECONDS": JMeter's threads started
# by EPOCH_MS (its log's "Thread started" lines) and the seconds from the
# first to the last of them
jmeter_started() {
	python3 - "$1" "$2" <<'PY'
import os, sys, time
path, cut = sys.argv[1], int(sys.argv[2]) / 1000.0
ts = []
for line in open(path, errors="replace") if os.path.exists(path) else []:
    if "Thread started:" in line:
        try:
            t = time.mktime(time.strptime(line[:19], "%Y/%m/%d %H:%M:%S"))
        except ValueError:
            continue
        if t <= cut:
            ts.append(t)
print(len(ts), int(max(ts) - min(ts)) if ts else 0)
PY
}

declare -A V
# burst SERVER: one burst; appends a row to $TMP/rows and keeps its
# figures in V[SERVER.KEY]
burst() {
	local name=$1 port sport=- gpid cmd jmpid nofile=$NOFILE
	port=$(free_port)
	case $name in
	werkzeug-async*)
		[ "$name" = werkzeug-async ] || nofile=256
		cmd="ulimit -n $nofile -u $NPROC (user id $SEED_UID); python3 app.py, async def index() (app.run(port=PORT))"
		# shellcheck disable=SC2016  # the limits are the inner shell's
		start server bash -c 'ulimit -n "$1" && ulimit -u "$2" && shift 2 && exec "$@"' \
		    limits "$nofile" "$NPROC" \
		    setpriv --reuid="$SEED_UID" --regid="$SEED_UID" --clear-groups \
		    env SEED_SLEEP=800 SEED_VIEW=async "$PY" "$APP/app.py" "$port" ;;
	uwsgi2-async)
		cmd="ulimit -n $nofile; uwsgi --http :PORT --wsgi-file app.py --callable app --threads 2"
		# shellcheck disable=SC2016
		start server bash -c 'ulimit -n "$1" && shift && exec "$@"' limits \
		    "$NOFILE" env SEED_SLEEP=800 SEED_VIEW=async uwsgi \
		    --plugins http,python3 --http "127.0.0.1:$port" --chdir "$APP" \
		    --wsgi-file app.py --callable app --threads 2 ;;
	poolserve*)
		sport=$(free_port)
		local opts=(--threads 10)
		[ "$name" = poolserve-flask ] || opts+=(--max-wait 5000)
		# shellcheck disable=SC2207
		opts+=($(wsgi_opts 004 app:app))
		cmd="ulimit -n $nofile; poolserve ${opts[*]}"
		cmd=${cmd//"$APPS"/bench/seeds/apps}
		# shellcheck disable=SC2016,SC2046
		poolserve_group server 120 \
		    bash -c 'ulimit -n "$1" && shift && exec "$@"' limits \
		    "$NOFILE" env SEED_SLEEP=800 SEED_VIEW=async "$POOLSERVE" \
		    --http "127.0.0.1:$port" --stats "127.0.0.1:$sport" \
		    --disable-logging $(root_opt) "${opts[@]}" ;;
	esac
	gpid=$SPID
	wait_port "$port" 30
	sleep 1
	V[$name.threads0]=$(threads_of "$gpid")
	note "$name: $cmd on port $port; $n requests over $dur s"

	start jmeter "$BENCH_DIR/jmeter/run" -o "$TMP/jm-$name" host=127.0.0.1 \
	    port="$port" path=/ sleep=800 threads="$n" rampup="$dur" loops=1
	jmpid=$SPID
	# the snapshot SETTLE s after the last request, or after the last
	# JMeter could start within 60 s more
	sleep "$dur"
	wait_started "$TMP/jm-$name" "$n" 60
	sleep "$SETTLE"

	# the snapshot
	local snap_ms estab recvq sendq synsent inprog threads procs fds
	local stats=- counts first kinds started jthreads jpid oom
	snap_ms=$(date +%s%3N)
	snapshot "$port" "$gpid"
	if [ "$sport" != - ]; then
		stats=$(curl -s -m 2 "http://127.0.0.1:$sport/" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("%d (waiting %d, listen_queue %d, shed %d)" % (d["in_progress"],
      d.get("waiting", 0), d["sockets"][0]["listen_queue"],
      sum(w.get("shed", 0) for w in d["workers"])))') || stats=-
	fi
	jpid=$(pgrep -g "$jmpid" java | head -n 1)
	jthreads=$([ -n "$jpid" ] && ls "/proc/$jpid/task" | wc -l || echo -)
	ss -Hnt "( sport = :$port or dport = :$port )" >"$TMP/ss-$name.txt" || true
	counts=$(log_counts "$TMP/server.log")
	read -r "V[$name.fdsock]" "V[$name.fdepoll]" "V[$name.fdother]" \
	    < <(fd_kinds "$gpid")
	# one line of each traceback through asyncio.new_event_loop() (the
	# traceback has two frames of that name)
	V[$name.inloop]=$(grep -o 'return get_event_loop_policy().new_event_loop()' \
	    "$TMP/server.log" | wc -l)
	V[$name.last]=$(grep 'processing request id' "$TMP/server.log" | tail -n 1 |
	    sed -n 's/.* - [0-9]*-\([^ ]*\) (tid [0-9]*): #.*/\1/p')
	first=$(taken_before_failure "$TMP/server.log")

	stop_group "$gpid"
	sleep 2
	jmeter_stop "$jmpid"
	kinds=$(jtl_kinds "$TMP/jm-$name/result.jtl" "$snap_ms" "$n")
	started=$(jmeter_started "$TMP/jm-$name/jmeter.log" "$snap_ms")
	oom=$(cat "$TMP/jmeter.log" "$TMP/jm-$name/jmeter.log" 2>/dev/null |
	    grep -c 'unable to create native thread\|OutOfMemoryError' || true)

	local cant emfile f500 dropped shedlog
	local ok e500 e503 ecode refused reset closed tout other pending top
	local jstarted jsecs
	read -r cant emfile f500 dropped shedlog <<<"$counts"
	read -r ok e500 e503 ecode refused reset closed tout other pending top \
	    <<<"$kinds"
	read -r jstarted jsecs <<<"$started"
	V[$name.inprog]=$inprog V[$name.estab]=$estab V[$name.recvq]=$recvq
	V[$name.synsent]=$synsent V[$name.threads]=$threads V[$name.fds]=$fds
	V[$name.cant]=$cant V[$name.emfile]=$emfile V[$name.f500]=$f500
	V[$name.dropped]=$dropped V[$name.first]=$first V[$name.ok]=$ok
	V[$name.e500]=$e500 V[$name.e503]=$e503 V[$name.refused]=$refused
	V[$name.reset]=$reset V[$name.closed]=$closed V[$name.timeout]=$tout
	V[$name.other]=$other V[$name.pending]=$pending V[$name.top]=${top//_/ }
	V[$name.jstarted]=$jstarted V[$name.jsecs]=$jsecs V[$name.oom]=$oom
	V[$name.jthreads]=$jthreads V[$name.stats]=$stats
	printf '| %s | `%s` | %s in %s s (%s) | %s | %s | %s | %s/%s | %s | %s/%s (%s before)/%s | %s / %s / %s / %s / %s | %s | %s / %s / %s / %s / %s / %s / %s / %s / %s / %s |\n' \
	    "$name" "$cmd" "$jstarted" "$jsecs" "$oom" "$inprog" "$stats" \
	    "$estab" "$recvq" "$sendq" "$synsent" "$procs" "$threads" \
	    "${V[$name.threads0]}" "$fds" "$cant" "$emfile" "$f500" "$dropped" "$shedlog" "$first" "$ok" \
	    "$e500" "$e503" "$ecode" "$refused" "$reset" "$closed" "$tout" \
	    "$other" "$pending" >>"$TMP/rows"
	[ "$top" = - ] || echo "$name: $other other failures, the most: ${top//_/ }" >>"$TMP/others"
}

# fig NAME KEY: a figure of a server that ran, or "not run"
fig() {
	echo "${V[$1.$2]:-not run}"
}

machine_line >"$TMP/machine"
: >"$TMP/rows"
lock_hold "004-burst"
for s in "${servers[@]}"; do
	burst "$s"
done
lock_release

echo "# Seed 004: $n requests in $dur s to the async view"
echo
cat "$TMP/machine"
echo "JMeter 2.13 (\`bench/jmeter/run\`, plan \`bench/jmeter/soak.jmx\`): $n users started over $dur s, each one \`GET /?id=\${counter}&sleep=800\`, no timeouts (the seed's plan); the snapshot $SETTLE s after JMeter had started the last, then the server is stopped and JMeter told to stop."
echo "Every row runs the seed's app, \`bench/seeds/apps/004/app.py\`, with its async view (SEED_VIEW=async: \`async def index()\` calling \`time.sleep(800)\`)."
[ -z "$mode" ] || echo "Quick run (the seed's burst is 10000 requests in 10 s): figures for a look, not for the record."
echo
echo "| server | command | JMeter threads started by the snapshot (over s; lines of OutOfMemoryError) | in progress (app log) | in progress (stats) | ESTABLISHED | listen Recv-Q/Send-Q | SYN-SENT clients | processes/threads (before the burst)/open files | server log: can't start new thread / Too many open files / Flask 500 / dropped by socketserver / shed | taken before the first failure | JMeter by the snapshot: 200 / 500 / 503 / other status / refused / reset / closed without answer / timed out / other / not finished |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
cat "$TMP/rows"
echo
[ ! -s "$TMP/others" ] || { sed 's/^/- /' "$TMP/others"; echo; }
# ratio A B: A / B to one decimal, "-" when B is 0 or not a number
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a ~ /^[0-9]+$/)
		printf "%.1f", a / b; else printf "-" }'
}

echo "The seed's figures beside this run's:"
echo
echo "| the seed | seed figure | this run |"
echo "|---|---|---|"
echo "| JMeter 5.5 on macOS, 10000 threads, ramp-up 10 s | could not start 5000 (OutOfMemoryError: unable to create native thread); the seed ran JMeter on a Linux container instead | JMeter 2.13 here, heap 1 GiB, 256 KiB stacks: $(fig werkzeug-async jstarted) threads started in $(fig werkzeug-async jsecs) s ($(fig werkzeug-async oom) OutOfMemoryError lines) in the werkzeug-async row, $(fig poolserve-flask jstarted) in $(fig poolserve-flask jsecs) s in the poolserve-flask row |"
echo "| async def index() on app.run(), \`ulimit -n 10240\`, \`ulimit -u\` 2784 | RuntimeError: can't start new thread at about request 2049 (\`GET /?id=2049\` 500) | werkzeug-async (\`ulimit -u 2784\`): the first failure after $(fig werkzeug-async first) requests taken; $(fig werkzeug-async inprog) in progress and $(fig werkzeug-async threads) threads at the snapshot; $(fig werkzeug-async cant) \"can't start new thread\": $(fig werkzeug-async f500) answered 500 by Flask, $(fig werkzeug-async dropped) connections dropped by socketserver |"
echo "| the same before \`ulimit -n 10240\` (macOS's default: 256) | Too many open files | werkzeug-async256: $(fig werkzeug-async256 inprog) in progress, $(fig werkzeug-async256 fds) files open, $(fig werkzeug-async256 emfile) \"Too many open files\", $(fig werkzeug-async256 f500) answered 500 by Flask |"
echo "| uwsgi --http :8080 --threads 2, async view | \"does not keep creating thread pools, uses only two\" (a new ThreadPoolExecutor per request, two at a time) | uwsgi2-async: $(fig uwsgi2-async inprog) in progress, $(fig uwsgi2-async threads) threads, $(fig uwsgi2-async estab) ESTABLISHED, $(fig uwsgi2-async fds) files open, $(fig uwsgi2-async emfile) \"Too many open files\" |"
echo "| - | - | poolserve-flask: $(fig poolserve-flask inprog) in progress, $(fig poolserve-flask threads) threads, Recv-Q $(fig poolserve-flask recvq), $(fig poolserve-flask synsent) clients in SYN-SENT; poolserve-maxwait: $(fig poolserve-maxwait inprog) in progress, $(fig poolserve-maxwait e503) answered 503 by the snapshot, $(fig poolserve-maxwait threads) threads |"
echo
echo "**What the rows show.**"
if [ -n "${V[werkzeug-async.inprog]:-}" ]; then
	echo "werkzeug starts a thread per connection and, for the async view,"
	echo "asgiref's AsyncToSync runs the coroutine in a new one-thread"
	echo "ThreadPoolExecutor (the last request taken ran on $(fig werkzeug-async last)):"
	echo "two threads per request"
	echo "($(fig werkzeug-async threads) threads for $(fig werkzeug-async inprog) requests in progress,"
	echo "$(ratio "${V[werkzeug-async.threads]}" "${V[werkzeug-async.inprog]}") each).  Linux counts threads against \`ulimit -u\`"
	echo "($NPROC here, the seed's figure), so the first \"can't start new thread\""
	echo "came after $(fig werkzeug-async first) requests; from then on every request failed"
	echo "at once, either in werkzeug's own thread start (socketserver closes the"
	echo "connection: JMeter's \"failed to respond\", $(fig werkzeug-async closed) by the"
	echo "snapshot) or in the executor's (Flask's 500, the seed's error:"
	echo "$(fig werkzeug-async e500) by the snapshot).  macOS counts processes, not threads,"
	echo "against \`ulimit -u\` (not measured here), so the seed's 2049 was set by a"
	echo "limit its write-up does not name; the mechanism, a thread and a pool"
	echo "per request until thread creation fails, is the same."
fi
if [ -n "${V[werkzeug-async256.inprog]:-}" ]; then
	echo "Each request of the async view also holds files: its socket and the"
	echo "new event loop's epoll and self-pipe pair (under \`ulimit -n 256\`:"
	echo "$(fig werkzeug-async256 fds) open for $(fig werkzeug-async256 inprog) in progress, $(fig werkzeug-async256 fdsock) sockets, $(fig werkzeug-async256 fdepoll) epolls,"
	echo "$(fig werkzeug-async256 fdother) others); at the limit \`asyncio.new_event_loop()\` fails"
	echo "with \"Too many open files\" ($(fig werkzeug-async256 emfile) in the log, $(fig werkzeug-async256 inloop) tracebacks through"
	echo "new_event_loop) and Flask answers 500 at once ($(fig werkzeug-async256 e500) by the snapshot)."
fi
if [ -n "${V[uwsgi2-async.inprog]:-}" ]; then
	echo "uWSGI's --http router accepts every connection and forwards 2 at a"
	echo "time: $(fig uwsgi2-async inprog) in progress on $(fig uwsgi2-async threads) threads ($(fig uwsgi2-async threads0) before the"
	echo "burst), $(fig uwsgi2-async estab) ESTABLISHED"
	echo "with $(fig uwsgi2-async fds) files open ($(ratio "${V[uwsgi2-async.fds]}" "${V[uwsgi2-async.estab]}") per connection: the client's"
	echo "and the router's to the worker)."
	if [ "${V[uwsgi2-async.emfile]:-0}" -gt 0 ]; then
		echo "At \`ulimit -n $NOFILE\` the router ran out of files:"
		echo "$(fig uwsgi2-async emfile) \"Too many open files\" in its log."
	fi
fi
if [ -n "${V[poolserve-flask.inprog]:-}" ]; then
	echo "poolserve runs the same view on its 10 threads ($(fig poolserve-flask inprog) in"
	echo "progress; $(fig poolserve-flask threads) threads, $(fig poolserve-flask threads0) before the burst: one executor"
	echo "thread per running request); the rest wait in the listen queue"
	echo "(Recv-Q $(fig poolserve-flask recvq)) and in SYN-SENT ($(fig poolserve-flask synsent)), and by the snapshot"
	echo "$((n - ${V[poolserve-flask.pending]} - ${V[poolserve-flask.ok]})) had failed ($(fig poolserve-flask pending) of $n not finished)."
fi
if [ -n "${V[poolserve-maxwait.inprog]:-}" ]; then
	echo "With --max-wait 5000 a request that waited 5 s is answered 503 with"
	echo "Retry-After without a thread: $(fig poolserve-maxwait e503) by the snapshot,"
	echo "$(fig poolserve-maxwait inprog) in progress, $(fig poolserve-maxwait threads) threads ($(fig poolserve-maxwait threads0) before); the clients not yet"
	echo "answered were in the listen queue (Recv-Q $(fig poolserve-maxwait recvq)) and SYN-SENT"
	echo "($(fig poolserve-maxwait synsent)), retrying their SYN."
fi
for s in "${servers[@]}"; do
	[ "${V[$s.reset]:-0}" = 0 ] ||
	    echo "$s: ${V[$s.reset]} of JMeter's connections were reset by the snapshot; this run does not measure why."
done
echo
echo "Deviations: the seed ran Flask 2.2.2 on Python 3.10 on macOS and JMeter"
echo "5.5 remotely on Linux; here Flask $("$PY" -c 'import flask, importlib.metadata as m; print(m.version("flask"))' 2>/dev/null || echo '?'), Python $("$PY" -c 'import platform; print(platform.python_version())'), Debian's JMeter 2.13 on the"
echo "same machine, over loopback (127.0.0.1, not the seed's host=\"0.0.0.0\")."
echo "The werkzeug rows run as user id $SEED_UID under \`ulimit -u $NPROC\`: Linux"
echo "does not hold root to that limit, and the seed's Flask without it would"
echo "start two threads per request, 20,000 for 10,000, most of this shared"
echo "machine's $(cat /proc/sys/kernel/pid_max) process ids; so no row runs without the bound."
echo "JMeter started its $n threads over $(fig werkzeug-async jsecs) to $(fig poolserve-flask jsecs) s, not the seed's $dur s (the"
echo "first column; the seed does not say how long its Linux JMeter took):"
echo "that is as fast as JMeter started them on $(nproc) CPUs shared with the"
echo "server, and the snapshot waits for the last."
echo "Every row runs under \`ulimit -n $NOFILE\` (the seed's), werkzeug-async256"
echo "under 256.  JMeter's plan has no timeouts, as the seed's; clients still"
echo "connecting at the snapshot count as not finished."
machine_end
lock_note
