#!/bin/bash
# Seed 004: JMeter sends one request every 0.5 s, 1000 in all, to
# /?id=${counter}&sleep=800, so that nothing finishes; at saturation count
# what the server has in progress, what waits in the listen queue, and the
# ESTABLISHED connections (the seed's `netstat -na | grep ESTABLISHED`).
#
#   bench/seeds/004-soak-jmeter.sh [-q] [-n REQUESTS] [-i INTERVAL] [-s SLEEP]
#                                  [SERVER...]
#
# Defaults are the seed's: -n 1000 -i 0.5 -s 800 (about 9 minutes per
# server); -i 0.1 keeps the shape in under 2 minutes per server (the
# committed report, all.sh's default).  -q is a quick look (-n 50 -i 0.1,
# about 15 s per server, too few requests to fill any queue); a run with
# another -n or -s than the seed's writes its report and timelines to a
# scratch directory (see common.sh).
# SERVERs, in this order by default (the app is apps/004/app.py, the
# seed's, sleeping -s seconds):
#   werkzeug            python3 app.py: app.run(), threaded (a thread per request)
#   werkzeug256         the same under `ulimit -n 256`, macOS's default
#   werkzeug100         app.run(threaded=False, processes=100)
#   werkzeug10          app.run(threaded=False, processes=10)
#   werkzeug-async      app.run(), the view an async def (SEED_VIEW=async);
#                       -n/3 requests
#   uwsgi               uwsgi --http :PORT --wsgi-file app.py --callable app
#                       --threads 10 (the seed's command)
#   uwsgi-timeout       the same with --http-timeout 900
#   uwsgi4000           the seed's command, 4 x -n requests (the seed: 4000)
#   poolserve-flask     poolserve --threads 10 --wsgi app:app (the same app)
#   poolserve100-flask  poolserve --processes 100 --threads 1 --preload, the same
#   poolserve           poolserve --threads 10, its lab (C, no Python)
#   poolserve100        (not by default) --processes 100 --threads 1, its lab
#   poolserve-maxwait   poolserve --threads 10 --max-wait 5000, the same app:
#                       what waited 5 s is answered 503 at once, not left
#                       in the backlog (poolserve's answer to the scene)
# Then the thread-reuse check: SEED_SLEEP=10, four requests 0.25 s apart
# to werkzeug, uwsgi --threads 2 (sync and async view) and poolserve
# --threads 2 (sync and async view), which thread ran which request.
# Each soak server runs alone, started on a free loopback port; 5 s after
# the last request: the snapshot (ESTABLISHED, the listen socket's
# Recv-Q/Send-Q, clients in SYN-SENT, requests in progress from the app's
# log and poolserve's stats, processes and threads, JMeter's failures so
# far), then one curl as the seed tried, then the server is stopped and
# JMeter told to stop.  A timeline of each run (every 100 ms) goes to
# $TIMELINE/seed004-SERVER.png (default bench/results/timeline, for a
# quick run the scratch directory's timeline/); poolserve's also as
# seed004.png and seed004.csv.
. "$(dirname "$0")/common.sh"

n=1000 interval=0.5 sleep_s=800
while getopts "qn:i:s:" opt; do
	case $opt in
	q) n=50 interval=0.1 ;;
	n) n=$OPTARG ;;
	i) interval=$OPTARG ;;
	s) sleep_s=$OPTARG ;;
	*) echo "usage: ${0##*/} [-q] [-n REQUESTS] [-i INTERVAL] [-s SLEEP] [SERVER...]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
servers=("$@")
[ ${#servers[@]} -gt 0 ] ||
    servers=(werkzeug werkzeug256 werkzeug100 werkzeug10 werkzeug-async \
	uwsgi uwsgi-timeout uwsgi4000 poolserve-flask poolserve100-flask \
	poolserve poolserve-maxwait reuse)
for s in "${servers[@]}"; do
	case $s in
	werkzeug|werkzeug256|werkzeug100|werkzeug10|werkzeug-async) ;;
	uwsgi|uwsgi-timeout|uwsgi4000|poolserve|poolserve100) ;;
	poolserve-flask|poolserve100-flask|poolserve-maxwait|reuse) ;;
	*) echo "${0##*/}: unknown server $s" >&2; exit 64 ;;
	esac
done
# ramp N: JMeter's whole seconds of ramp-up for N requests
ramp_of() {
	python3 -c "print(max(1, int(round($1 * $interval))))"
}
# the snapshot: when the last request has been sent, plus a little
settle=5

need_pkgs python3-flask uwsgi uwsgi-plugin-python3 jmeter gnuplot-nox \
    default-jdk-headless
need_poolserve
mode=
[ "$n $sleep_s" = "1000 800" ] || mode=quick
report 004 $mode
if [ "$RESULTS" = "$BENCH_DIR/results/seeds" ]; then
	: "${TIMELINE:=$BENCH_DIR/results/timeline}"
else
	: "${TIMELINE:=$RESULTS/timeline}"
fi
mkdir -p "$TIMELINE"

# in_progress_log LOG: "processing" lines without their "done" line
in_progress_log() {
	local p d
	# (threads print to one file: two lines may run into one, so count
	# the phrases, not the lines)
	p=$(grep -o 'processing request id' "$1" | wc -l)
	d=$(grep -o 'done request id' "$1" | wc -l)
	echo $((p - d))
}

# threads_of PGID: threads of every process of the group
threads_of() {
	local t=0 pid
	for pid in $(pgrep -g "$1"); do
		t=$((t + $(ls "/proc/$pid/task" 2>/dev/null | wc -l)))
	done
	echo "$t"
}

declare -A EST INPROG RECVQ SYNS FAILS CURL PROCS FDS
APP=$APPS/004

# fds_of PGID: open files of every process of the group
fds_of() {
	local t=0 pid
	for pid in $(pgrep -g "$1"); do
		t=$((t + $(ls "/proc/$pid/fd" 2>/dev/null | wc -l)))
	done
	echo "$t"
}

# procs_of PGID: processes of the group
procs_of() {
	pgrep -g "$1" | wc -l
}

# jtl_failed JTL EPOCH_MS: "COUNT (MESSAGE xN, ...)" of the samples that
# had failed by EPOCH_MS
jtl_failed() {
	[ -s "$1" ] || { echo "-"; return 0; }
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
cut = int(sys.argv[2])
bad = [r for r in rows if r["success"] != "true"
       and int(r["timeStamp"]) + int(r["elapsed"]) <= cut]
msgs = {}
for r in bad:
    m = r["responseMessage"].replace("Non HTTP response message: ", "")
    msgs[m] = msgs.get(m, 0) + 1
top = ", ".join("%s x%d" % (m[:48], k) for m, k in
                sorted(msgs.items(), key=lambda x: -x[1])[:2])
print("%d%s" % (len(bad), " (" + top + ")" if top else ""))
PY
}

# measure SERVER: one soak; appends a row to $TMP/rows
measure() {
	local name=$1 port sport=- gpid cmd jmpid udp csv nreq=$n r
	port=$(free_port)
	case $name in
	werkzeug-async) nreq=$((n / 3)) ;;
	uwsgi4000) nreq=$((n * 4)) ;;
	esac
	r=$(ramp_of "$nreq")
	case $name in
	werkzeug)
		cmd="python3 app.py (app.run(port=PORT))"
		start server env SEED_SLEEP="$sleep_s" "$PY" "$APP/app.py" "$port" ;;
	werkzeug256)
		cmd="ulimit -n 256; python3 app.py (app.run(port=PORT))"
		start server bash -c 'ulimit -n 256 && exec "$@"' ulimit \
		    env SEED_SLEEP="$sleep_s" "$PY" "$APP/app.py" "$port" ;;
	werkzeug100|werkzeug10)
		cmd="python3 app.py (app.run(port=PORT, threaded=False, processes=${name#werkzeug}))"
		start server env SEED_SLEEP="$sleep_s" "$PY" "$APP/app.py" "$port" \
		    "processes=${name#werkzeug}" ;;
	werkzeug-async)
		cmd="python3 app.py, async def index() (app.run(port=PORT))"
		start server env SEED_SLEEP="$sleep_s" SEED_VIEW=async "$PY" \
		    "$APP/app.py" "$port" ;;
	uwsgi*)
		local extra=()
		[ "$name" != uwsgi-timeout ] || extra=(--http-timeout 900)
		cmd="uwsgi --http :PORT --wsgi-file app.py --callable app --threads 10${extra[*]:+ ${extra[*]}}"
		start server env SEED_SLEEP="$sleep_s" uwsgi --plugins http,python3 \
		    --http "127.0.0.1:$port" --chdir "$APP" --wsgi-file app.py \
		    --callable app --threads 10 "${extra[@]}" ;;
	poolserve*)
		sport=$(free_port)
		local opts=(--threads 10)
		case $name in
		poolserve100*) opts=(--processes 100 --threads 1) ;;
		esac
		# shellcheck disable=SC2207  # the options are words
		case $name in
		poolserve100-flask)
			# the workers fork from a master that imported Flask, as
			# werkzeug's processes=100 forks from its server
			opts+=(--preload $(wsgi_opts 004 app:app)) ;;
		*-flask) opts+=($(wsgi_opts 004 app:app)) ;;
		poolserve-maxwait)
			opts+=(--max-wait 5000 $(wsgi_opts 004 app:app)) ;;
		esac
		cmd="poolserve ${opts[*]}"
		cmd=${cmd//"$APPS"/bench/seeds/apps}
		# shellcheck disable=SC2046
		poolserve_group server 120 env SEED_SLEEP="$sleep_s" \
		    "$POOLSERVE" --http "127.0.0.1:$port" \
		    --stats "127.0.0.1:$sport" --disable-logging \
		    $(root_opt) "${opts[@]}" ;;
	esac
	gpid=$SPID
	wait_port "$port" 30
	sleep 1
	note "$name: $cmd on port $port; $nreq requests over $r s"

	csv=$TMP/seed004-$name.csv
	start sampler "$BENCH_DIR/timeline/sample" -d $((r + settle + 60)) \
	    "$port" "$sport" "$csv"
	local sampler=$SPID
	start jmeter "$BENCH_DIR/jmeter/run" -o "$TMP/jm-$name" host=127.0.0.1 \
	    port="$port" path=/ sleep="$sleep_s" threads="$nreq" rampup="$r" loops=1
	jmpid=$SPID
	sleep "$((r + settle))"

	# the snapshot
	local estab recvq sendq synsent inprog stats_ip=- stats_lq=- threads procs
	local snap_ms last curlout fds stats_w=-
	snap_ms=$(date +%s%3N)
	estab=$(ss -Hnt state established "( sport = :$port )" | wc -l)
	read -r recvq sendq < <(ss -Hlnt "sport = :$port" | awk '{print $2, $3; exit}')
	synsent=$(ss -Hnt state syn-sent "( dport = :$port )" | wc -l)
	inprog=$(in_progress_log "$TMP/server.log")
	threads=$(threads_of "$gpid")
	procs=$(procs_of "$gpid")
	fds=$(fds_of "$gpid")
	last=$(grep 'processing request id' "$TMP/server.log" | tail -n 1 |
	    sed -e 's/.* - [0-9]*-\(.*\) (tid [0-9]*): #.*/\1/' -e t \
		-e 's/.* - [0-9]*-\([^ :]*\): #.*/\1/')
	if [ "$sport" != - ]; then
		read -r stats_ip stats_w stats_lq < <(curl -s -m 2 "http://127.0.0.1:$sport/" |
		    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["in_progress"], d.get("waiting", "-"), d["sockets"][0]["listen_queue"])')
	fi
	ss -Hnt "( sport = :$port or dport = :$port )" >"$TMP/ss-$name.txt" || true
	# the seed's curl, bounded: 5 s to connect, 10 s in all
	curlout=$(curl -sS -o /dev/null --connect-timeout 5 -m 10 \
	    "http://127.0.0.1:$port/?id=curl" 2>&1) && curlout="answered"
	curlout=${curlout#curl: }

	# stop the server, then JMeter (StopTestNow on its shutdown port)
	stop_group "$gpid"
	sleep 2
	udp=$(sed -n 's/.*shutdown message on port \([0-9]*\).*/\1/p' "$TMP/jmeter.log" | head -n 1)
	if [ -n "$udp" ]; then
		python3 -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"StopTestNow", ("127.0.0.1", int(sys.argv[1])))' "$udp"
	fi
	for _ in $(seq 1 300); do
		kill -0 "$jmpid" 2>/dev/null || break
		sleep 0.1
	done
	stop_group "$jmpid"
	stop_group "$sampler"

	local failed
	failed=$(jtl_failed "$TMP/jm-$name/result.jtl" "$snap_ms")
	[ "$sport" = - ] || stats_ip="$stats_ip (waiting $stats_w, listen_queue $stats_lq)"
	# shellcheck disable=SC2034  # read by fig() through a nameref
	EST[$name]=$estab INPROG[$name]=$inprog RECVQ[$name]=$recvq SYNS[$name]=$synsent FAILS[$name]=${failed%% *} CURL[$name]=$curlout PROCS[$name]=$procs FDS[$name]=$fds
	printf '| %s | `%s` | %s | %s | %s | %s | %s/%s | %s | %s/%s/%s | %s | %s | %s |\n' \
	    "$name" "$cmd" "$nreq" "$inprog" "$stats_ip" "$estab" "$recvq" "$sendq" \
	    "$synsent" "$procs" "$threads" "$fds" "${last:--}" "$failed" "$curlout" >>"$TMP/rows"
	"$BENCH_DIR/timeline/plot" "$csv" "$TIMELINE/seed004-$name.png" \
	    "seed 004: $cmd, $nreq requests every $interval s, sleep $sleep_s" >/dev/null
	if [ "$name" = poolserve ]; then
		cp "$csv" "$TIMELINE/seed004.csv"
		cp "$TIMELINE/seed004-$name.png" "$TIMELINE/seed004.png"
	fi
	if [ "$name" = uwsgi4000 ]; then
		# ESTABLISHED over time, every 50 s of the timeline, and its peak
		awk -F, 'NR > 1 && $5 != "NaN" { if ($1 >= next_t) { printf "%s%d s: %d", (o++ ? ", " : ""), $1, $5; next_t += 50 }
		    if ($5 > m) { m = $5; mt = $1 } }
		    END { printf "; peak %d at %d s\n", m, mt }' "$csv" >"$TMP/uwsgi4000-timeline.txt"
	fi
}

# reuse: the seed's thread-reuse check.  Four requests 0.25 s apart,
# SEED_SLEEP=10, to each server at once (they only sleep); which thread
# (name, OS tid) ran each request, from the app's log
reuse() {
	local name port pids=() names=() ports=() i
	for name in werkzeug uwsgi2 uwsgi2-async poolserve2 poolserve2-async \
	    werkzeug-await; do
		port=$(free_port)
		case $name in
		werkzeug)
			start "r-$name" env SEED_SLEEP=10 "$PY" "$APP/app.py" "$port" ;;
		werkzeug-await)
			start "r-$name" env SEED_SLEEP=10 SEED_VIEW=await "$PY" \
			    "$APP/app.py" "$port" ;;
		uwsgi2*)
			start "r-$name" env SEED_SLEEP=10 \
			    SEED_VIEW="$([ "$name" = uwsgi2 ] && echo sync || echo async)" \
			    uwsgi --plugins http,python3 --http "127.0.0.1:$port" \
			    --chdir "$APP" --wsgi-file app.py --callable app --threads 2 ;;
		poolserve2*)
			# shellcheck disable=SC2046
			start "r-$name" env SEED_SLEEP=10 \
			    SEED_VIEW="$([ "$name" = poolserve2 ] && echo sync || echo async)" \
			    "$POOLSERVE" --http "127.0.0.1:$port" --disable-logging \
			    $(root_opt) --threads 2 $(wsgi_opts 004 app:app) ;;
		esac
		names+=("$name") ports+=("$port") pids+=("$SPID")
	done
	for port in "${ports[@]}"; do
		wait_port "$port" 30
	done
	sleep 1
	note "thread reuse: 4 requests 0.25 s apart, 10 s each, to ${names[*]}"
	local cpids=()
	for i in 1 2 3 4; do
		for port in "${ports[@]}"; do
			curl -s -o /dev/null -m 40 "http://127.0.0.1:$port/?id=$i" &
			cpids+=($!)
		done
		sleep 0.25
	done
	wait "${cpids[@]}" 2>/dev/null || true
	for i in "${!names[@]}"; do
		stop_group "${pids[$i]}"
	done
	: >"$TMP/reuse"
	for name in "${names[@]}"; do
		python3 - "$name" "$TMP/r-$name.log" >>"$TMP/reuse" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
run = {}
for line in open(path, errors="replace"):
    m = re.search(r" - \d+-(.*) \(tid (\d+)\): #\d+ processing request id\[(\d+)\]", line)
    if m:
        run[int(m.group(3))] = (m.group(1), int(m.group(2)))
cells = ["%s (tid %d)" % run[i] if i in run else "-" for i in (1, 2, 3, 4)]
names = {run[i][0] for i in run}
tids = {run[i][1] for i in run}
print("| %s | %s | %d | %d |" % (name, " | ".join(cells), len(names), len(tids)))
PY
	done
}

# the machine before the soaks (the report is printed after them)
machine_line >"$TMP/machine"
: >"$TMP/rows"
lock_hold "004"
for s in "${servers[@]}"; do
	[ "$s" = reuse ] || measure "$s"
done
case " ${servers[*]} " in
*" reuse "*) reuse ;;
esac
lock_release

# fig NAME ARRAY: a figure of a server that ran, or "not run"
fig() {
	local -n arr=$2
	echo "${arr[$1]:-not run}"
}

echo "# Seed 004: JMeter soak, one request every $interval s"
echo
cat "$TMP/machine"
echo "JMeter 2.13 (\`bench/jmeter/run\`, plan \`bench/jmeter/soak.jmx\`): N users started over N x $interval s, each one \`GET /?id=\${counter}&sleep=$sleep_s\`; the snapshot $settle s after the last was sent, then one \`curl\` as the seed tried (5 s to connect, 10 s in all), then the server is stopped."
echo "Every Flask row runs the seed's app, \`bench/seeds/apps/004/app.py\` (SEED_SLEEP=$sleep_s; it ignores \`sleep=\`); poolserve is poolserve's lab route (C, no Python), the extra row."
[ -z "$mode" ] || echo "Quick run (the seed's load is 1000 requests, sleep 800): figures for a look, not for the record."
echo
if [ -s "$TMP/rows" ]; then
	echo "| server | command | requests | in progress (app log) | in progress (stats) | ESTABLISHED | listen Recv-Q/Send-Q | SYN-SENT clients | processes/threads/open files | last thread (app log) | JMeter failed by the snapshot | curl |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	cat "$TMP/rows"
	echo
fi
echo "The seed's figures beside this run's (ESTABLISHED is the server side of"
echo "the connections to the port, what the seed's \`netstat -na | grep"
echo "\"127.0.0.1.8080\" | grep ESTABLISHED\` counted):"
echo
echo "| seed server | seed figure | the seed's server here | poolserve, the same app |"
echo "|---|---|---|---|"
echo "| app.run() threaded | 251 taken, then connection errors (NoHttpResponseException; curl: (56) reset by peer); 251 ESTABLISHED | werkzeug: $(fig werkzeug INPROG) in progress, $(fig werkzeug EST) ESTABLISHED, $(fig werkzeug FAILS) failed; with \`ulimit -n 256\`: $(fig werkzeug256 INPROG) in progress, $(fig werkzeug256 EST) ESTABLISHED, $(fig werkzeug256 FAILS) failed, curl: $(fig werkzeug256 CURL) | - |"
echo "| app.run(threaded=False, processes=100) | 100 in progress + 128 waiting = 228 ESTABLISHED; 101 processes; curl: (7) connect timed out | werkzeug100: $(fig werkzeug100 INPROG) + Recv-Q $(fig werkzeug100 RECVQ) = $(fig werkzeug100 EST) ESTABLISHED; $(fig werkzeug100 PROCS) processes; curl: $(fig werkzeug100 CURL) | poolserve100-flask: $(fig poolserve100-flask INPROG) + $(fig poolserve100-flask RECVQ) = $(fig poolserve100-flask EST); curl: $(fig poolserve100-flask CURL) |"
echo "| app.run(threaded=False, processes=10) | 10 + 128 = 138 ESTABLISHED | werkzeug10: $(fig werkzeug10 INPROG) + $(fig werkzeug10 RECVQ) = $(fig werkzeug10 EST) | poolserve-flask (--threads 10): $(fig poolserve-flask INPROG) + $(fig poolserve-flask RECVQ) = $(fig poolserve-flask EST) |"
echo "| uwsgi --http :8080 --threads 10, 4000 requests | 10 in progress, 3890 ESTABLISHED | uwsgi4000: $(fig uwsgi4000 INPROG) in progress, $(fig uwsgi4000 EST) ESTABLISHED, $(fig uwsgi4000 FAILS) failed | - |"
echo "| async def index() on app.run() | all taken, each on a new ThreadPoolExecutor-N_0 | werkzeug-async: $(fig werkzeug-async INPROG) in progress, last thread in the table | - |"
echo
if [ -s "$TMP/uwsgi4000-timeline.txt" ]; then
	echo "uwsgi4000's ESTABLISHED over time (\`bench/results/timeline/seed004-uwsgi4000.png\`): $(cat "$TMP/uwsgi4000-timeline.txt")."
	echo
fi
echo "**What the rows show.**  Linux queues backlog + 1 connections in a full"
echo "accept queue (Recv-Q $(fig werkzeug100 RECVQ) for werkzeug's 128) and leaves"
echo "later clients in SYN-SENT, retrying, so a server taking P requests at once"
echo "shows P + 129 ESTABLISHED where the seed's macOS showed P + 128."
echo "werkzeug's threaded server on Linux takes every request (a thread each:"
echo "$(fig werkzeug INPROG) in progress).  The seed's 251 is macOS's default limit of 256 open"
echo "files (\`ulimit -n\`): 251 sockets and 5 other files.  The werkzeug256 row,"
echo "the same server under \`ulimit -n 256\`, stops at $(fig werkzeug256 INPROG) requests with"
echo "$(fig werkzeug256 FDS) files open (Python 3.11 and Flask hold a few more files"
echo "here than the seed's Python 3.10 on macOS); the connections it cannot"
echo "accept wait in the listen queue and SYN-SENT, where the seed's macOS"
echo "reset them."
echo "uWSGI's --http router accepts every connection itself and forwards 10 at"
echo "a time; it gives up on a request that waited --http-timeout (60 s by"
echo "default) and closes the connection without an answer: the uwsgi row keeps"
echo "$(fig uwsgi EST) ESTABLISHED ($(fig uwsgi FAILS) failed by the snapshot), uwsgi-timeout"
echo "(--http-timeout 900) $(fig uwsgi-timeout EST) ($(fig uwsgi-timeout FAILS) failed).  At the seed's"
echo "pace that leaves about 60 s of requests, not the seed's 3890: its uWSGI"
echo "cannot have timed out (a longer --http-timeout, or another version)."
echo
if [ -n "${EST[poolserve-maxwait]:-}" ]; then
	echo "**poolserve --max-wait 5000** (the poolserve-maxwait row, the same app):"
	echo "a request that waited 5 s in the listen backlog is answered 503 with"
	echo "Retry-After at once instead of waiting for a thread that will not come"
	echo "for 800 s: $(fig poolserve-maxwait INPROG) in progress, Recv-Q $(fig poolserve-maxwait RECVQ), $(fig poolserve-maxwait EST)"
	echo "ESTABLISHED at the snapshot, $(fig poolserve-maxwait FAILS) answered 503 (JMeter counts"
	echo "them failed) by then, and the seed's curl: $(fig poolserve-maxwait CURL)."
	echo
fi
if [ -s "$TMP/reuse" ]; then
	echo "**Thread reuse** (the seed's check: \`--threads 2\`, requests sleeping"
	echo "10 s, four of them 0.25 s apart; werkzeug-await is the seed's view"
	echo "awaiting asyncio.sleep).  Which thread ran each request, from the"
	echo "app's log (Python's thread name, the OS thread id):"
	echo
	echo "| server | id 1 | id 2 | id 3 | id 4 | names | OS threads |"
	echo "|---|---|---|---|---|---|---|"
	cat "$TMP/reuse"
	echo
	echo "A server reuses its threads when ids 3 and 4 run on the OS threads of"
	echo "ids 1 and 2 (2 OS threads for 4 requests), as the seed found for"
	echo "uWSGI.  Flask runs an async view in a new single-thread"
	echo "ThreadPoolExecutor, a new OS thread, each time, on whichever server"
	echo "(the seed: \"the pool is not reused\"); the server's own thread waits"
	echo "for it, so --threads still bounds how many run at once."
	echo
fi
echo "Deviations: the seed ran on macOS (6 cores) with JMeter 5.5 at one request every"
echo "0.5 s; here Linux, Debian's JMeter 2.13, at one request every $interval s"
echo "(the counts are those of a full queue, reached sooner; only uWSGI's"
echo "timeout depends on the pace: 60 s hold 600 requests at 0.1 s, 120 at 0.5 s)."
echo "The 4000-request run goes at the same pace (the seed's log shows 0.1 s)."
echo "poolserve100-flask runs with --preload, so that its 100 workers fork from a"
echo "master that imported the app, as werkzeug's processes=100 forks its children."
machine_end
lock_note
