#!/usr/bin/env bash
# bench/suites/floor.sh: the floor under poolserve's keep-alive hello.
# libmicrohttpd 0.9.75 driven as poolserve drives it, in a minimal program
# (bench/floor/floor.c): answering on the event loop ("direct") and with
# the smallest hand-off to one other thread and back ("handoff"); beside
# nginx with 1 worker (the reference) and poolserve 1 x 10, with wrk at 50
# and 100 connections and h2load --h1 at 100, keep-alive, and wrk with a
# connection per request, all in one run.  What
# libmicrohttpd costs, what any hand-off adds, and what poolserve adds to
# that.  Run it with bench/run floor; see bench/README.md.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init floor "floor: libmicrohttpd with and without a hand-off vs nginx and poolserve"
need wrk:wrk h2load:nghttp2-client /usr/sbin/nginx:nginx-light cc:gcc \
    pkg-config:pkg-config
REFERENCE="nginx 1.22, worker_processes 1, same run"
SETUP="wrk -t2 -c50 and -c100, h2load --h1 -c100 -t2, keep-alive, and wrk -t2 -c50 with Connection: close, ${DURATION} s each on GET /, $REPEATS runs per figure, interleaved."
PLOT_WHAT=rps
GOAL=0.75		# poolserve/nginx req/s, keep-alive hello
CLOSE_GOAL=1.0		# and with a connection per request

# shellcheck disable=SC2046
"${CC:-cc}" -O2 -o "$TMP/floor" "$BENCH_DIR/floor/floor.c" \
    $(pkg-config --cflags --libs libmicrohttpd) -lpthread ||
    die "cannot compile $BENCH_DIR/floor/floor.c"

declare -A PORT PID
start_floor() {
	local mode=$1 log=$TMP/floor.$1.log
	SRV_PORT=$(free_port)
	"$TMP/floor" "$mode" "$SRV_PORT" >"$log" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "libmicrohttpd $mode" "$SRV_PID" "$SRV_PORT" 0 "$log"
}
start_nginx 1
PORT[nginx]=$SRV_PORT PID[nginx]=$SRV_PID
start_floor direct
PORT[direct]=$SRV_PORT PID[direct]=$SRV_PID
start_floor handoff
PORT[handoff]=$SRV_PORT PID[handoff]=$SRV_PID
start_poolserve --processes 1 --threads 10
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
SERVERS_ORDER=(nginx direct handoff poolserve)
declare -A LABEL=([nginx]="nginx, 1 worker"
    [direct]="libmicrohttpd alone, answering on its loop"
    [handoff]="libmicrohttpd + the smallest hand-off"
    [poolserve]="poolserve --processes 1 --threads 10")

for srv in "${SERVERS_ORDER[@]}"; do
	wrk_run 1 "${PORT[$srv]}" / >/dev/null
done

CONNS=50 rounds wrk-c50 /
CONNS=100 rounds wrk-c100 /
CONNS=50 rounds wrk-close / -H "Connection: close"
CONNS=100 RUN=h2load_run rounds h2load-c100 /

declare -A MEM MED
for srv in "${SERVERS_ORDER[@]}"; do
	MEM[$srv]=$(mem "${PID[$srv]}")
done
for cfg in wrk-c50 wrk-c100 h2load-c100 wrk-close; do
	for srv in "${SERVERS_ORDER[@]}"; do
		read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$cfg.$srv")
		MED[$cfg,$srv]=$m
		read -r rss pss _ <<<"${MEM[$srv]}"
		row "$cfg" "${LABEL[$srv]}" "$m" "$lo" "$hi" "$p50" "$p99" \
		    "$err" "$rss" "$pss" \
		    "$(calc "$m / ${MED[$cfg,nginx]}" %.2f)" ""
	done
	r=$(calc "${MED[$cfg,poolserve]} / ${MED[$cfg,nginx]}" %.2f)
	f=$(calc "${MED[$cfg,handoff]} / ${MED[$cfg,nginx]}" %.2f)
	d=$(calc "${MED[$cfg,direct]} / ${MED[$cfg,nginx]}" %.2f)
	p=$(calc "${MED[$cfg,poolserve]} / ${MED[$cfg,handoff]}" %.2f)
	v=MISS
	g=$GOAL
	[ $cfg = wrk-close ] && g=$CLOSE_GOAL
	ge "$r" "$g" && v=PASS
	goal "$cfg" $v "poolserve ${r}x nginx (goal >= ${g}x);" \
	    "libmicrohttpd alone ${d}x, with the smallest hand-off ${f}x;" \
	    "poolserve ${p}x the smallest hand-off"
done
note "h2load rows: p50 and p99 columns hold h2load's mean and maximum" \
    "time for a request.  RSS and PSS after the load.  The two" \
    "libmicrohttpd rows are bench/floor/floor.c: the same daemon flags," \
    "epoll loop and 24 KiB connection memory as a poolserve worker, no" \
    "gate, routing, statistics or logging; \"handoff\" suspends each" \
    "request, hands it to one thread that hands it straight back, and" \
    "resumes it, as poolserve does.  Where the hand-off row sits below 0.75" \
    "of nginx, libmicrohttpd's suspend and resume (an epoll_ctl each, and" \
    "a read until EAGAIN per request) are the wall, not poolserve."
bench_finish
