#!/usr/bin/env bash
# bench/suites/hello.sh: "Hello, world!" over loopback, keep-alive and one
# connection per request (wrk -t2 -c50), poolserve --processes 1 against
# nginx with 1 worker (the reference) and uWSGI's internal routing with 1
# process; then fairness among 50 keep-alive connections (fairclient.c)
# and, when perf works, where a poolserve worker's time goes.
# Run it with bench/run hello; see bench/README.md.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init hello "hello: poolserve vs nginx and uWSGI internal routing"
need wrk:wrk /usr/sbin/nginx:nginx-light uwsgi:uwsgi cc:gcc
REFERENCE="nginx 1.22, worker_processes 1, same run"
SETUP="wrk -t2 -c50 -d${DURATION}s --latency on GET /, $REPEATS runs per figure, interleaved."
PLOT_WHAT=rps
GOAL=1.0		# poolserve/nginx req/s, both configurations
FAIR_SECS=3
FAIR_GOAL=0.5

"${CC:-cc}" -O2 -o "$TMP/fairclient" "$BENCH_DIR/fairclient.c" ||
    die "cannot compile $BENCH_DIR/fairclient.c"

declare -A PORT PID
start_poolserve --processes 1 --threads 10
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
start_nginx 1
PORT[nginx]=$SRV_PORT PID[nginx]=$SRV_PID
start_uwsgi_routes 1
PORT[uwsgi]=$SRV_PORT PID[uwsgi]=$SRV_PID
SERVERS_ORDER=(poolserve nginx uwsgi)
declare -A LABEL=([poolserve]="poolserve --processes 1 --threads 10"
    [nginx]="nginx, 1 worker" [uwsgi]="uWSGI internal routing, 1 process")

# A short warm-up of each, not counted.
for srv in "${SERVERS_ORDER[@]}"; do
	wrk_run 1 "${PORT[$srv]}" / >/dev/null
done

# Interleaved: every repeat measures every server once, in a rotating
# order, so that a drift of the machine's speed favours none.
for cfg in keep-alive close; do
	opt=()
	[ $cfg = close ] && opt=(-H "Connection: close")
	rounds $cfg / "${opt[@]}"
done

declare -A MEM
for srv in "${SERVERS_ORDER[@]}"; do
	MEM[$srv]=$(mem "${PID[$srv]}")
done

declare -A MED
for cfg in keep-alive close; do
	for srv in nginx poolserve uwsgi; do
		read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$cfg.$srv")
		MED[$cfg,$srv]=$m
		read -r rss pss _ <<<"${MEM[$srv]}"
		ratio=$(calc "$m / ${MED[$cfg,nginx]}" %.2f)
		label=$cfg
		[ $cfg = close ] && label="Connection: close"
		row "$label" "${LABEL[$srv]}" "$m" "$lo" "$hi" "$p50" "$p99" \
		    "$err" "$rss" "$pss" "$ratio" ""
	done
	r=$(calc "${MED[$cfg,poolserve]} / ${MED[$cfg,nginx]}" %.2f)
	v=MISS
	ge "$r" "$GOAL" && v=PASS
	goal "$cfg" $v "poolserve ${r}x nginx (goal >= ${GOAL}x)"
done
note "RSS and PSS: summed over the master and its workers after the" \
    "load.  errors: wrk's socket errors and non-2xx answers, all runs." \
    "uWSGI answers from its internal routing (--http11-socket, one" \
    "route-run send of the same 13-byte response), no Python."

# --- fairness: 50 keep-alive connections, 2 threads ---------------------------
# How evenly 50 keep-alive clients are served when they outnumber what
# runs at once: poolserve with 2 threads, nginx's one event loop, uWSGI's
# one process (one connection at a time).  wrk's figures above count only
# the requests that completed, so a server that serves a few connections
# and starves the rest can look fast and quick there; this shows it.
stop "${PID[poolserve]}"
start_poolserve --processes 1 --threads 2
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
declare -A FAIR
fairness poolserve nginx uwsgi
note "Fairness: 50 keep-alive connections for $FAIR_SECS s, one request" \
    "outstanding on each (bench/fairclient.c); min/max of the responses" \
    "per connection (1: all served alike; 0: some got nothing), median" \
    "(min–max) of $REPEATS runs.  poolserve --threads 2:" \
    "${FAIR[poolserve]}.  nginx, 1 worker: ${FAIR[nginx]}." \
    "uWSGI internal routing, 1 process: ${FAIR[uwsgi]}."
v=MISS
ge "${FAIR[poolserve,m]}" "$FAIR_GOAL" && v=PASS
goal fairness $v "poolserve min/max ${FAIR[poolserve,m]} with 50 clients" \
    "on 2 threads (goal >= $FAIR_GOAL)"
stop "${PID[uwsgi]}"
stop "${PID[poolserve]}"

# --- where poolserve's time goes ----------------------------------------------
# perf with the cpu-clock software event works in VMs without hardware
# counters; a failing perf only leaves the section out.
if command -v perf >/dev/null 2>&1 &&
    perf record -e cpu-clock -o "$TMP/perf.test" -- true >/dev/null 2>&1; then
	start_poolserve --processes 1 --threads 10
	w=$(children "$SRV_PID" | awk '{ print $1 }')	# the one worker's pid
	timeout 30 wrk -t2 -c50 -d6s "http://127.0.0.1:$SRV_PORT/" \
	    >/dev/null 2>&1 &
	wrkpid=$!
	sleep 1
	perf record -e cpu-clock -g -p "$w" -o "$TMP/perf.data" -- sleep 3 \
	    >/dev/null 2>&1 || true
	wait "$wrkpid" || true
	perf report -i "$TMP/perf.data" --stdio --no-children \
	    --sort dso,sym -g none --percent-limit 1.5 2>/dev/null |
	    grep -E '^ +[0-9]' | head -n 25 >"$TMP/perf.top" || true
	perf report -i "$TMP/perf.data" --stdio --no-children --sort dso \
	    -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 8 \
	    >"$TMP/perf.dso" || true
	if [ -s "$TMP/perf.top" ]; then
		{
			echo "Where a poolserve worker's CPU time goes under the"
			echo "keep-alive load (perf record -e cpu-clock -g -p WORKER,"
			echo "3 s; perf report --no-children), by library and then"
			echo "by function above 1.5%:"
			echo
			echo '```'
			cat "$TMP/perf.dso"
			echo
			cat "$TMP/perf.top"
			echo '```'
			echo
		} >>"$TMP/notes"
	fi
	stop "$SRV_PID"
else
	note "perf does not work here: no profile."
fi

bench_finish
