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
# SERVERs, in this order by default:
#   werkzeug            Flask's app.run(threaded=True): a thread per request
#   werkzeug100         app.run(threaded=False, processes=100): a process
#                       per request, at most 100
#   uwsgi               uwsgi --http --threads 10 (the seed's command)
#   poolserve-flask     poolserve --threads 10 running the same Flask app
#                       (--wsgi flask_app:app)
#   poolserve100-flask  poolserve --processes 100 --threads 1 --preload,
#                       the same Flask app
#   poolserve           poolserve --threads 10, its lab (C, no Python)
#   poolserve100        poolserve --processes 100 --threads 1, its lab
# Each server runs alone, started on a free loopback port and stopped
# after the snapshot; JMeter is then told to stop (its results are
# summarised, every sample cut short).  A timeline of each run (every
# 100 ms: in progress, Recv-Q, ESTABLISHED, SYN-SENT) goes to
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
    servers=(werkzeug werkzeug100 uwsgi poolserve-flask poolserve100-flask \
	poolserve poolserve100)
for s in "${servers[@]}"; do
	case $s in
	werkzeug|werkzeug100|uwsgi|poolserve|poolserve100) ;;
	poolserve-flask|poolserve100-flask) ;;
	*) echo "${0##*/}: unknown server $s" >&2; exit 64 ;;
	esac
done
# JMeter takes whole seconds of ramp-up
ramp=$(python3 -c "print(max(1, int(round($n * $interval))))")
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
	p=$(grep -c 'processing request id' "$1" || true)
	d=$(grep -c 'done request id' "$1" || true)
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

# measure SERVER: one soak; appends a row to $TMP/rows
measure() {
	local name=$1 port sport=- gpid cmd jmpid udp csv
	port=$(free_port)
	case $name in
	werkzeug)
		cmd="python3 flask_app.py (app.run threaded=True)"
		start server "$PY" "$APPS/flask_app.py" "$port" threaded ;;
	werkzeug100)
		cmd="python3 flask_app.py (app.run threaded=False, processes=100)"
		start server "$PY" "$APPS/flask_app.py" "$port" processes=100 ;;
	uwsgi)
		cmd="uwsgi --http :PORT --wsgi-file flask_app.py --callable app --threads 10"
		start server uwsgi --plugins http,python3 --http "127.0.0.1:$port" \
		    --chdir "$APPS" --wsgi-file flask_app.py --callable app \
		    --threads 10 --disable-logging ;;
	poolserve*)
		sport=$(free_port)
		local opts=(--threads 10) procs=1
		case $name in
		poolserve100*) opts=(--processes 100 --threads 1) procs=100 ;;
		esac
		case $name in
		poolserve100-flask)
			# the workers fork from a master that imported Flask, as
			# werkzeug's processes=100 forks from its server
			opts+=(--preload "${FLASK_WSGI[@]}") ;;
		*-flask) opts+=("${FLASK_WSGI[@]}") ;;
		esac
		cmd="poolserve ${opts[*]}"
		cmd=${cmd//"$APPS"/bench/seeds/apps}
		start server "$POOLSERVE" --http "127.0.0.1:$port" \
		    --stats "127.0.0.1:$sport" --disable-logging $(root_opt) \
		    "${opts[@]}"
		wait_ready "$TMP/server.log" "$procs" "$SPID" 120 ;;
	esac
	gpid=$SPID
	wait_port "$port" 30
	sleep 1
	note "$name: $cmd on port $port; $n requests over $ramp s"

	csv=$TMP/seed004-$name.csv
	start sampler "$BENCH_DIR/timeline/sample" -d $((${ramp%.*} + settle + 60)) \
	    "$port" "$sport" "$csv"
	local sampler=$SPID
	start jmeter "$BENCH_DIR/jmeter/run" -o "$TMP/jm-$name" host=127.0.0.1 \
	    port="$port" path=/ sleep="$sleep_s" threads="$n" rampup="$ramp" loops=1
	jmpid=$SPID
	sleep "$(python3 -c "print($ramp + $settle)")"

	# the snapshot
	local estab recvq sendq synsent inprog stats_ip=- stats_lq=- threads
	estab=$(ss -Hnt state established "( sport = :$port )" | wc -l)
	read -r recvq sendq < <(ss -Hlnt "sport = :$port" | awk '{print $2, $3; exit}')
	synsent=$(ss -Hnt state syn-sent "( dport = :$port )" | wc -l)
	inprog=$(in_progress_log "$TMP/server.log")
	threads=$(threads_of "$gpid")
	if [ "$sport" != - ]; then
		read -r stats_ip stats_lq < <(curl -s -m 2 "http://127.0.0.1:$sport/" |
		    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["in_progress"], d["sockets"][0]["listen_queue"])')
	fi
	ss -Hnt "( sport = :$port or dport = :$port )" >"$TMP/ss-$name.txt" || true

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

	local jtl="-" samples=0 errors=0
	if [ -s "$TMP/jm-$name/result.jtl" ]; then
		samples=$(($(wc -l <"$TMP/jm-$name/result.jtl") - 1))
		errors=$(awk -F, 'NR > 1 && $8 != "true"' "$TMP/jm-$name/result.jtl" | wc -l)
		jtl="$samples samples, $errors errors, longest $(awk -F, 'NR > 1 && $2 > m { m = $2 } END { printf "%.1f", m / 1000 }' "$TMP/jm-$name/result.jtl") s"
	fi
	[ "$sport" = - ] || stats_ip="$stats_ip (listen_queue $stats_lq)"
	printf '| %s | `%s` | %s | %s | %s | %s/%s | %s | %s | %s |\n' \
	    "$name" "$cmd" "$inprog" "$stats_ip" "$estab" "$recvq" "$sendq" \
	    "$synsent" "$threads" "$jtl" >>"$TMP/rows"
	"$BENCH_DIR/timeline/plot" "$csv" "$TIMELINE/seed004-$name.png" \
	    "seed 004: $cmd, $n requests every $interval s, sleep $sleep_s" >/dev/null
	if [ "$name" = poolserve ]; then
		cp "$csv" "$TIMELINE/seed004.csv"
		cp "$TIMELINE/seed004-$name.png" "$TIMELINE/seed004.png"
	fi
}

: >"$TMP/rows"
lock_hold "004"
for s in "${servers[@]}"; do
	measure "$s"
done
lock_release

echo "# Seed 004: JMeter soak, one request every $interval s"
echo
machine_line
echo "JMeter 2.13 (\`bench/jmeter/run\`, plan \`bench/jmeter/soak.jmx\`): $n users started over $ramp s, each one \`GET /?id=\${counter}&sleep=$sleep_s\`; snapshot $settle s after the last was sent, then the server is stopped."
echo "The seed: one request every 0.5 s, 1000 in all, sleep 800 s, on macOS."
echo
echo "werkzeug, werkzeug100, uwsgi and the poolserve*-flask rows run the same Flask app, \`bench/seeds/apps/flask_app.py\`; poolserve and poolserve100 are poolserve's lab route (C, no Python), the baseline."
[ -z "$mode" ] || echo "Quick run (the seed's load is 1000 requests, sleep 800): figures for a look, not for the record."
echo
echo "| server | command | in progress (app log) | in progress (stats) | ESTABLISHED | listen Recv-Q/Send-Q | SYN-SENT clients | threads | JMeter JTL |"
echo "|---|---|---|---|---|---|---|---|---|"
cat "$TMP/rows"
echo
echo "The seed's figures, beside the rows above:"
echo
echo "| seed server | seed figure | here |"
echo "|---|---|---|"
echo "| Flask app.run() threaded=True | 251 requests taken, then connection errors; 251 ESTABLISHED | row werkzeug |"
echo "| Flask app.run(threaded=False, processes=100) | 100 in progress + 128 waiting = 228 ESTABLISHED | row werkzeug100; poolserve100-flask (the same app on poolserve), poolserve100 (lab) |"
echo "| Flask app.run(threaded=False, processes=10) | 10 + 128 = 138 ESTABLISHED | (not run; poolserve-flask, the same app on poolserve --threads 10, has the same shape; poolserve is its lab baseline) |"
echo "| uwsgi --http :8080 --threads 10, 4000 requests | 10 in progress, 3890 ESTABLISHED (the rest waiting) | row uwsgi |"
echo
echo "ESTABLISHED counts the server side of connections to the port (what"
echo "\`netstat -na | grep \"127.0.0.1.8080\" | grep ESTABLISHED\` counted),"
echo "including those still in the accept queue; Linux lets the accept queue"
echo "hold backlog + 1 (129 for 128); clients beyond it are in SYN-SENT,"
echo "retrying.  uWSGI's --http router accepts every connection itself and"
echo "forwards 10 at a time, so its queue is in the router, not the kernel;"
echo "the router gives up on a request that waited --http-timeout (60 s by"
echo "default) and closes its connection without an answer (JMeter:"
echo "NoHttpResponseException), so at one request every 0.1 s about 600"
echo "connections are left."
echo
echo "Deviations: the seed ran on macOS (6 cores) with JMeter 5.5 at one request every"
echo "0.5 s; here Linux, Debian's JMeter 2.13, at one request every $interval s."
echo "poolserve100-flask runs with --preload, so that its 100 workers fork from a"
echo "master that imported the app, as werkzeug's processes=100 forks its children."
lock_note
