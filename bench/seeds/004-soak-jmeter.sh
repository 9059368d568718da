#!/bin/bash
# Seed 004: JMeter sends one request every 0.5 s, 1000 in all, to
# /?id=${counter}&sleep=800, so that nothing finishes; at saturation count
# what the server has in progress, what waits in the listen queue, and the
# ESTABLISHED connections (the seed's `netstat -na | grep ESTABLISHED`).
#
#   bench/seeds/004-soak-jmeter.sh [-q] [-n REQUESTS] [-i INTERVAL] [-s SLEEP]
#                                  [SERVER...]
#
# The seed sent one request every 0.5 s; -i 0.1 (the default) reaches the
# same full queues five times sooner, under 2 minutes per server, and the
# werkzeug256@0.5 row runs the seed's 251 scene at the seed's 0.5 s, where
# JMeter's clients have time to give up (about 40 minutes in all).  -i 0.5 runs every row at
# the seed's pace (about 9 minutes per server, 2 hours in all).  -n 1000
# -s 800 are the seed's.  -q is a quick look (-n 50 -i 0.1, about 15 s
# per server, too few requests to fill any queue); a run with another -n
# or -s than the seed's writes its report and timelines to a scratch
# directory (see common.sh).  SEED004_REPORT=NAME writes the report as
# NAME.md (its raw output in NAME/, its timelines in NAME/timeline/), for
# a run of some rows beside the full run's 004.md.
# SERVERs, in this order by default (the app is apps/004/app.py, the
# seed's, sleeping -s seconds):
#   werkzeug            python3 app.py: app.run(), threaded (a thread per request)
#   werkzeug256         the same under `ulimit -n 256`, macOS's default
#   werkzeug256@0.5     the same at the seed's pace, one request every 0.5 s:
#                       JMeter's clients that cannot connect give up after
#                       the kernel's SYN retries (about 127 s) before the
#                       snapshot, as the seed's failed; SERVER@INTERVAL runs
#                       any row at another pace than -i
#   werkzeug100         app.run(threaded=False, processes=100)
#   werkzeug10          app.run(threaded=False, processes=10)
#   werkzeug-async      app.run(), the view an async def (SEED_VIEW=async);
#                       -n/3 requests
#   uwsgi               uwsgi --http :PORT --wsgi-file app.py --callable app
#                       --threads 10 (the seed's command)
#   uwsgi-timeout       the same with --http-timeout 900
#   uwsgi4000           the seed's command, 4 x -n requests (the seed: 4000)
#   uwsgi4000-loop      the same, JMeter's users looping: each sends its
#                       next request when one fails, as a Thread Group
#                       with a loop count above 1 does (the seed's count
#                       if its JMeter looped)
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

n=1000 interval=0.1 sleep_s=800
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
if [ ${#servers[@]} -eq 0 ]; then
	servers=(werkzeug werkzeug256 werkzeug256@0.5 werkzeug100 werkzeug10 \
	    werkzeug-async uwsgi uwsgi-timeout uwsgi4000 uwsgi4000-loop poolserve-flask \
	    poolserve100-flask poolserve poolserve-maxwait reuse)
	# at the seed's pace already: no second werkzeug256 row
	[ "$interval" != 0.5 ] || servers=("${servers[@]/werkzeug256@0.5}")
fi
for s in "${servers[@]}"; do
	[ -n "$s" ] || continue
	case $s in
	reuse) ;;
	*@*)
		[[ ${s#*@} =~ ^[0-9]*\.?[0-9]+$ ]] ||
		    { echo "${0##*/}: bad interval in $s" >&2; exit 64; }
		s=${s%@*} ;;
	esac
	case $s in
	werkzeug|werkzeug256|werkzeug100|werkzeug10|werkzeug-async) ;;
	uwsgi|uwsgi-timeout|uwsgi4000|uwsgi4000-loop|poolserve|poolserve100) ;;
	poolserve-flask|poolserve100-flask|poolserve-maxwait|reuse) ;;
	*) echo "${0##*/}: unknown server $s" >&2; exit 64 ;;
	esac
done
# ramp N: JMeter's whole seconds of ramp-up for N requests
ramp_of() {
	python3 -c "print(max(1, int(round($1 * $2))))"
}
# the snapshot: when the last request has been sent, plus a little
settle=5

need_pkgs python3-flask uwsgi uwsgi-plugin-python3 jmeter gnuplot-nox net-tools \
    default-jdk-headless
need_poolserve
mode=
[ "$n $sleep_s" = "1000 800" ] || mode=quick
report "${SEED004_REPORT:-004}" $mode
if [ "${SEED004_REPORT:-004}" != 004 ]; then
	: "${TIMELINE:=$RAW/timeline}"
elif [ "$RESULTS" = "$BENCH_DIR/results/seeds" ]; then
	: "${TIMELINE:=$BENCH_DIR/results/timeline}"
else
	: "${TIMELINE:=$RESULTS/timeline}"
fi
mkdir -p "$TIMELINE"

declare -A EST INPROG RECVQ SYNS FAILS FAILED CURL PROCS FDS
declare -A JEST JCW WEST WCW WSYN NETSTAT
APP=$APPS/004

# jtl_failed JTL EPOCH_MS: "COUNT (MESSAGE xN, ...; after A-B s)" of the
# samples that had failed by EPOCH_MS, A-B the shortest and longest wait
# for their failure
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
if bad:
    el = sorted(int(r["elapsed"]) for r in bad)
    top += "; after %d-%d s" % (el[0] // 1000, el[-1] // 1000)
print("%d%s" % (len(bad), " (" + top + ")" if top else ""))
PY
}

# seed_netstat PORT: the seed's count, its netstat line for Linux's
# netstat (127.0.0.1:PORT for macOS's 127.0.0.1.PORT): the connections
# whose local address is 127.0.0.1:PORT in ESTABLISHED; "-" without
# netstat (net-tools)
seed_netstat() {
	command -v netstat >/dev/null || { echo -; return 0; }
	netstat -na | grep "0 127.0.0.1:$1 " | grep -c ESTABLISHED || true
}

# uwsgi_ends ROW PORT: both ends of the connections of uWSGI's router
# and of its worker's socket (the port in the log's "uwsgi socket 0
# bound to TCP address"), by state, and the seed's own count (netstat,
# the lines of local address 127.0.0.1:PORT in ESTABLISHED); a line of
# $TMP/uwsgi-ends, the worker's connections kept as $TMP/ss-ROW-worker.txt
uwsgi_ends() {
	local row=$1 port=$2 wport
	wport=$(sed -n 's/.*uwsgi socket 0 bound to TCP address 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$TMP/server.log" | head -n 1)
	ss -Hnt "( sport = :$wport or dport = :$wport )" >"$TMP/ss-$row-worker.txt" || true
	# count PORT_SIDE STATE FILE: connections of one end in one state
	count() {
		awk -v side="$1" -v st="$2" -v p="$3" '$1 == st {
		    k = split(side == "s" ? $4 : $5, a, ":"); if (a[k] == p) n++ }
		    END { print n + 0 }' "$4"
	}
	# shellcheck disable=SC2034  # read by fig() through a nameref
	JEST[$row]=$(count d ESTAB "$port" "$TMP/ss-$row.txt") \
	    JCW[$row]=$(count d CLOSE-WAIT "$port" "$TMP/ss-$row.txt") \
	    WEST[$row]=$(count s ESTAB "$wport" "$TMP/ss-$row-worker.txt") \
	    WCW[$row]=$(count s CLOSE-WAIT "$wport" "$TMP/ss-$row-worker.txt") \
	    WSYN[$row]=$(count d SYN-SENT "$wport" "$TMP/ss-$row-worker.txt") \
	    NETSTAT[$row]=$(seed_netstat "$port")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$row" \
	    "$(count s ESTAB "$port" "$TMP/ss-$row.txt")" "${JEST[$row]}" \
	    "${JCW[$row]}" "${WEST[$row]}" "${WCW[$row]}" "${WSYN[$row]}" \
	    "${NETSTAT[$row]}" \
	    "$(ss -Hlnt "sport = :$wport" | awk '{print $2 "/" $3; exit}')" \
	    >>"$TMP/uwsgi-ends"
}

# measure SERVER: one soak; appends a row to $TMP/rows
measure() {
	local row=$1 name=${1%@*} iv=$interval port sport=- gpid cmd jmpid csv
	local nreq=$n r
	[ "$row" = "$name" ] || iv=${row#*@}
	port=$(free_port)
	case $name in
	werkzeug-async) nreq=$((n / 3)) ;;
	uwsgi4000*) nreq=$((n * 4)) ;;
	esac
	r=$(ramp_of "$nreq" "$iv")
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
	note "$row: $cmd on port $port; $nreq requests over $r s"

	csv=$TMP/seed004-$row.csv
	start sampler "$BENCH_DIR/timeline/sample" -d $((r + settle + 60)) \
	    "$port" "$sport" "$csv"
	local sampler=$SPID
	# uwsgi4000-loop: every user sends again when its request fails,
	# until the test's duration (past the snapshot) is over
	local loops=(loops=1)
	[ "$name" != uwsgi4000-loop ] ||
	    loops=(loops=-1 scheduler=true duration=$((r + settle + 60)))
	start jmeter "$BENCH_DIR/jmeter/run" -o "$TMP/jm-$row" host=127.0.0.1 \
	    port="$port" path=/ sleep="$sleep_s" threads="$nreq" rampup="$r" \
	    "${loops[@]}"
	jmpid=$SPID
	sleep "$((r + settle))"

	# the snapshot
	local estab recvq sendq synsent inprog stats_ip=- stats_lq=- threads procs
	local snap_ms last curlout fds stats_w=-
	snap_ms=$(date +%s%3N)
	snapshot "$port" "$gpid"
	last=$(grep 'processing request id' "$TMP/server.log" | tail -n 1 |
	    sed -e 's/.* - [0-9]*-\(.*\) (tid [0-9]*): #.*/\1/' -e t \
		-e 's/.* - [0-9]*-\([^ :]*\): #.*/\1/')
	if [ "$sport" != - ]; then
		read -r stats_ip stats_w stats_lq < <(curl -s -m 2 "http://127.0.0.1:$sport/" |
		    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["in_progress"], d.get("waiting", "-"), d["sockets"][0]["listen_queue"])')
	fi
	ss -Hnt "( sport = :$port or dport = :$port )" >"$TMP/ss-$row.txt" || true
	case $name in
	uwsgi*) uwsgi_ends "$row" "$port" ;;
	esac
	# the seed's curl, bounded: 5 s to connect, 10 s in all
	curlout=$(curl -sS -o /dev/null --connect-timeout 5 -m 10 \
	    "http://127.0.0.1:$port/?id=curl" 2>&1) && curlout="answered"
	curlout=${curlout#curl: }

	# stop the server, then JMeter (StopTestNow on its shutdown port)
	stop_group "$gpid"
	sleep 2
	jmeter_stop "$jmpid"
	stop_group "$sampler"

	local failed
	failed=$(jtl_failed "$TMP/jm-$row/result.jtl" "$snap_ms")
	[ "$sport" = - ] || stats_ip="$stats_ip (waiting $stats_w, listen_queue $stats_lq)"
	# shellcheck disable=SC2034  # read by fig() through a nameref
	EST[$row]=$estab INPROG[$row]=$inprog RECVQ[$row]=$recvq SYNS[$row]=$synsent FAILS[$row]=${failed%% *} FAILED[$row]=$failed CURL[$row]=$curlout PROCS[$row]=$procs FDS[$row]=$fds
	printf '| %s | `%s` | %s | %s | %s | %s | %s/%s | %s | %s/%s/%s | %s | %s | %s |\n' \
	    "$row" "$cmd" "$nreq" "$inprog" "$stats_ip" "$estab" "$recvq" "$sendq" \
	    "$synsent" "$procs" "$threads" "$fds" "${last:--}" "$failed" "$curlout" >>"$TMP/rows"
	"$BENCH_DIR/timeline/plot" "$csv" "$TIMELINE/seed004-$row.png" \
	    "seed 004: $cmd, $nreq requests every $iv s, sleep $sleep_s" >/dev/null
	if [ "$row" = poolserve ]; then
		cp "$csv" "$TIMELINE/seed004.csv"
		cp "$TIMELINE/seed004-$row.png" "$TIMELINE/seed004.png"
	fi
	case $row in
	uwsgi4000*)
		# ESTABLISHED over time, every 50 s of the timeline, its peak,
		# and when it first reached the seed's 3890
		awk -F, 'NR > 1 && $5 != "NaN" { if ($1 >= next_t) { printf "%s%d s: %d", (o++ ? ", " : ""), $1, $5; next_t += 50 }
		    if ($5 > m) { m = $5; mt = $1 }
		    if ($5 >= 3890 && !r) r = $1 }
		    END { printf "; peak %d at %d s; %s\n", m, mt,
			r ? sprintf("3890 reached at %d s", r) : "never 3890" }' "$csv" >"$TMP/$row-timeline.txt"
		;;
	esac
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
	[ -z "$s" ] || [ "$s" = reuse ] || measure "$s"
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
echo "JMeter 2.13 (\`bench/jmeter/run\`, plan \`bench/jmeter/soak.jmx\`): N users started over N x $interval s (a row named SERVER@INTERVAL: that interval), each one \`GET /?id=\${counter}&sleep=$sleep_s\`; the snapshot $settle s after the last was sent, then one \`curl\` as the seed tried (5 s to connect, 10 s in all), then the server is stopped."
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
echo "| app.run() threaded | 251 taken, then connection errors (NoHttpResponseException; curl: (56) reset by peer); 251 ESTABLISHED | werkzeug: $(fig werkzeug INPROG) in progress, $(fig werkzeug EST) ESTABLISHED, $(fig werkzeug FAILS) failed; with \`ulimit -n 256\`: $(fig werkzeug256 INPROG) in progress, $(fig werkzeug256 EST) ESTABLISHED, $(fig werkzeug256 FAILS) failed, curl: $(fig werkzeug256 CURL); the same at the seed's 0.5 s (werkzeug256@0.5): $(fig werkzeug256@0.5 INPROG) in progress, $(fig werkzeug256@0.5 EST) ESTABLISHED, $(fig werkzeug256@0.5 SYNS) in SYN-SENT, failed by the snapshot: $(fig werkzeug256@0.5 FAILED) | - |"
echo "| app.run(threaded=False, processes=100) | 100 in progress + 128 waiting = 228 ESTABLISHED; 101 processes; curl: (7) connect timed out | werkzeug100: $(fig werkzeug100 INPROG) + Recv-Q $(fig werkzeug100 RECVQ) = $(fig werkzeug100 EST) ESTABLISHED; $(fig werkzeug100 PROCS) processes; curl: $(fig werkzeug100 CURL) | poolserve100-flask: $(fig poolserve100-flask INPROG) + $(fig poolserve100-flask RECVQ) = $(fig poolserve100-flask EST); curl: $(fig poolserve100-flask CURL) |"
echo "| app.run(threaded=False, processes=10) | 10 + 128 = 138 ESTABLISHED | werkzeug10: $(fig werkzeug10 INPROG) + $(fig werkzeug10 RECVQ) = $(fig werkzeug10 EST) | poolserve-flask (--threads 10): $(fig poolserve-flask INPROG) + $(fig poolserve-flask RECVQ) = $(fig poolserve-flask EST) |"
echo "| uwsgi --http :8080 --threads 10, 4000 requests | 10 in progress, 3890 ESTABLISHED | uwsgi4000: $(fig uwsgi4000 INPROG) in progress, $(fig uwsgi4000 EST) ESTABLISHED, $(fig uwsgi4000 FAILS) failed; users looping (uwsgi4000-loop): $(fig uwsgi4000-loop EST) ESTABLISHED | - |"
echo "| async def index() on app.run() | all taken, each on a new ThreadPoolExecutor-N_0 | werkzeug-async: $(fig werkzeug-async INPROG) in progress, last thread in the table | - |"
echo
for r in uwsgi4000 uwsgi4000-loop; do
	[ -s "$TMP/$r-timeline.txt" ] || continue
	echo "$r's ESTABLISHED over time (\`${TIMELINE#"$TOP_DIR"/}/seed004-$r.png\`): $(cat "$TMP/$r-timeline.txt")."
	echo
done
if [ -s "$TMP/uwsgi-ends" ]; then
	echo "uWSGI's connections at the snapshot, both ends (ss): the router's"
	echo "port (server side: the router's; client side: JMeter's), and the"
	echo "worker's socket (server side: the worker's, in its threads or its"
	echo "listen queue; client side: the router's); the last columns are the"
	echo "seed's own count, \`netstat -na | grep \"0 127.0.0.1:PORT \" | grep"
	echo "ESTABLISHED\`, and the worker's listen Recv-Q/Send-Q:"
	echo
	echo "| row | router ESTABLISHED | JMeter ESTABLISHED | JMeter CLOSE-WAIT | worker ESTABLISHED | worker CLOSE-WAIT | router SYN-SENT to the worker | netstat, as the seed counted | worker listen Recv-Q/Send-Q |"
	echo "|---|---|---|---|---|---|---|---|---|"
	cat "$TMP/uwsgi-ends"
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
if [ -n "${EST[werkzeug256@0.5]:-}" ]; then
	echo "At the seed's pace (werkzeug256@0.5, one request every 0.5 s) the"
	echo "same server takes $(fig werkzeug256@0.5 INPROG) requests and its queue holds Recv-Q"
	echo "$(fig werkzeug256@0.5 RECVQ); what the pace changes is the clients beyond: one left in"
	echo "SYN-SENT gives up when the kernel's $(cat /proc/sys/net/ipv4/tcp_syn_retries) SYN retries are spent (about"
	echo "127 s), and at 0.5 s the snapshot comes long enough after the queue filled"
	echo "for that: $(fig werkzeug256@0.5 FAILED) failed by the snapshot, against"
	echo "$(fig werkzeug256 FAILED) at $interval s.  These are the seed's connection errors;"
	echo "the seed's macOS gave them at once (NoHttpResponseException, curl: reset"
	echo "by peer)."
fi
echo "uWSGI's --http router accepts every connection itself and passes it"
echo "on to its worker's socket: 10 run, the worker's listen queue holds"
echo "backlog + 1 (Recv-Q 101 of 100; macOS holds 100), and the router's"
echo "further connects wait in SYN-SENT.  It gives up on a request that"
echo "waited --http-timeout (60 s by default), whether it reached the worker"
echo "or not, and closes the connection without an answer: the uwsgi row keeps"
echo "$(fig uwsgi EST) ESTABLISHED ($(fig uwsgi FAILS) failed by the snapshot), uwsgi-timeout"
echo "(--http-timeout 900) $(fig uwsgi-timeout EST) ($(fig uwsgi-timeout FAILS) failed)."
echo "No way of counting finds more at the seed's 4000 (uwsgi4000, the table"
echo "above): JMeter's ends close with the router's ($(fig uwsgi4000 JEST) ESTABLISHED, $(fig uwsgi4000 JCW) in"
echo "CLOSE-WAIT, against the router's $(fig uwsgi4000 EST)); the connections that reached the"
echo "worker are closed on the router's side ($(fig uwsgi4000 WEST) ESTABLISHED, $(fig uwsgi4000 WCW) in CLOSE-WAIT"
echo "on the worker's); the seed's netstat line counts $(fig uwsgi4000 NETSTAT); both ends of both"
echo "ports would make $(( ${EST[uwsgi4000]:-0} + ${JEST[uwsgi4000]:-0} + ${WEST[uwsgi4000]:-0} * 2 )), and the count never passed 60 s of requests"
echo "(the peak above)."
if [ -n "${EST[uwsgi4000-loop]:-}" ]; then
	echo "When JMeter's users loop (uwsgi4000-loop: a user whose request failed"
	echo "sends its next one at once, as a Thread Group with a loop count above 1"
	echo "or \"Infinite\" does), every user started holds a connection: $(fig uwsgi4000-loop EST)"
	echo "ESTABLISHED at the snapshot, the seed's 3890 once 3890 users had started"
	echo "(the timeline above).  That is the only way measured here to the seed's"
	echo "figure; the seed gives its users and ramp-up, not its loop count, so it"
	echo "stays a candidate.  With one request per user (loop count 1, as"
	echo "uwsgi4000 runs) the seed's uWSGI cannot have timed out; why, its"
	echo "write-up does not show."
fi
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
echo "(the counts are those of a full queue, reached sooner), werkzeug256@0.5 at"
echo "the seed's 0.5 s.  What depends on the pace: the SYN retries above, and"
echo "uWSGI's --http-timeout (the uwsgi row's failures came after"
echo "$(fig uwsgi FAILED | sed -n 's/.*after \([0-9-]*\) s.*/\1/p') s: at 0.5 s it would keep about 120 requests besides its 10,"
echo "not measured here)."
echo "The 4000-request run goes at the same pace (the seed's log shows 0.1 s)."
echo "poolserve100-flask runs with --preload, so that its 100 workers fork from a"
echo "master that imported the app, as werkzeug's processes=100 forks its children."
machine_end
lock_note
