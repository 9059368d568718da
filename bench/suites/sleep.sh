#!/usr/bin/env bash
# bench/suites/sleep.sh: GET /sleep/0.5 from 100 clients against 4
# processes x 10 threads: poolserve, uWSGI (--processes 4 --threads 10) and
# gunicorn (-k gthread -w 4 --threads 10) running the same route in Flask
# (bench/apps/labapp.py).  The reference is the ideal server: 40 requests
# at a time, each exactly 0.5 s.  Run it with bench/run sleep.
#
# The ideal.  40 slots of 0.5 s give P*T/S = 4*10/0.5 = 80 req/s.  With
# 100 closed-loop clients (each sends its next request as soon as the last
# is answered) and first-in first-out queueing, the work goes in rounds of
# 0.5 s: each round serves 40 requests while the other 60 wait.  A request
# answered goes back to the end of the queue behind 60 others: the first
# 20 of its round start in the next round (latency 1.0 s), the other 20 in
# the round after (1.5 s).  So latencies are 1.0 s and 1.5 s half and half:
# mean 1.25 s (Little: 100 clients / 80 req/s), p50 between 1.0 and 1.5 s,
# p99 = max = 1.5 s = ceil(100/40) * 0.5 s.  The first round's clients see
# 0.5, 1.0 and 1.5 s, which changes neither the p99 nor the rate.
#
# The load: hey -n N -c 100 with N a multiple of 200 (so every client sends
# N/100 requests and every round is full) and N/80 >= 2*DURATION seconds
# of work; req/s is N over the time the whole run took.  The goal is
# measured with a new connection for every request (-disable-keepalive):
# waiting clients queue in the listen backlog, the same FIFO for all three
# servers (uWSGI's --http-socket closes after each response anyway).  The
# same load with keep-alive connections follows, for information: then
# waiting requests queue in whichever worker holds their connection.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init sleep "sleep: /sleep/0.5, 100 clients, 4 processes x 10 threads"
need hey:hey uwsgi:uwsgi deb:uwsgi-plugin-python3 \
    /usr/bin/gunicorn:gunicorn py:flask:python3-flask

P=4 T=10 S=0.5 C=100
IDEAL_RPS=$(calc "$P * $T / $S")				# 80
IDEAL_P99=$(calc "int(($C + $P * $T - 1) / ($P * $T)) * $S * 1000")	# 1500 ms
N=$(( ( ($(calc "int($IDEAL_RPS * 2 * $DURATION)") + 199) / 200) * 200 ))
GOAL=0.998
KA_GOAL=0.99 KA_P99=1600	# keep-alive: >= 99% of the ideal, p99 <= 1.6 s
REFERENCE="the ideal: $IDEAL_RPS req/s (P*T/S), p99 $IDEAL_P99 ms"
SETUP="hey -n $N -c $C on GET /sleep/$S (ideally $(calc "$N / $IDEAL_RPS") s), with -disable-keepalive and without, $REPEATS runs per figure, interleaved."
PLOT_WHAT=rps

declare -A PORT PID LABEL
start_poolserve --processes $P --threads $T
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
LABEL[poolserve]="poolserve --processes $P --threads $T"
start_uwsgi $P $T
PORT[uwsgi]=$SRV_PORT PID[uwsgi]=$SRV_PID
LABEL[uwsgi]="uWSGI --processes $P --threads $T, Flask"
start_gunicorn gthread $P $T
PORT[gunicorn]=$SRV_PORT PID[gunicorn]=$SRV_PID
LABEL[gunicorn]="gunicorn -k gthread -w $P --threads $T, Flask"
ORDER=(poolserve uwsgi gunicorn)

for srv in "${ORDER[@]}"; do
	hey_run 40 40 /sleep/0.01 "${PORT[$srv]}" >/dev/null	# warm-up
done
# close: a connection per request, the measure of the goal; keep-alive:
# hey's default, each client keeps its connection, so waiting requests
# queue where each server keeps its open connections, not in the backlog.
for cfg in close keep-alive; do
	opt=()
	[ $cfg = close ] && opt=(-disable-keepalive)
	for srv in "${ORDER[@]}"; do
		: >"$TMP/runs.$cfg.$srv"
	done
	for rep in $(seq 1 "$REPEATS"); do
		order=("${ORDER[@]:$((rep % 3))}" "${ORDER[@]:0:$((rep % 3))}")
		for srv in "${order[@]}"; do
			r=$(hey_run "$N" $C "/sleep/$S" "${PORT[$srv]}" "${opt[@]}")
			echo "$r" >>"$TMP/runs.$cfg.$srv"
			say "$cfg $srv run $rep/$REPEATS: $r (req/s p50 p99 errors)"
		done
	done
done

for cfg in close keep-alive; do
	for srv in "${ORDER[@]}"; do
		read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$cfg.$srv")
		read -r rss pss _ < <(mem "${PID[$srv]}")
		pct=$(calc "100 * $m / $IDEAL_RPS" %.2f)
		label="$C clients, /sleep/$S, connection per request"
		[ $cfg = keep-alive ] && label="$C clients, /sleep/$S, keep-alive"
		row "$label" "${LABEL[$srv]}" "$m" "$lo" "$hi" \
		    "$p50" "$p99" "$err" "$rss" "$pss" \
		    "$(calc "$m / $IDEAL_RPS" %.3f)" \
		    "$pct% of ideal req/s; p99 $(calc "$p99 / $IDEAL_P99" %.2f)x ideal"
		[ $srv = poolserve ] || continue
		v=MISS
		if [ $cfg = close ]; then
			ge "$(calc "$m / $IDEAL_RPS" %.5f)" $GOAL && v=PASS
			goal "throughput-$cfg" $v "poolserve $pct% of the" \
			    "ideal $IDEAL_RPS req/s (goal >= $(calc \
			    "$GOAL * 100")% with a connection per request);" \
			    "p99 $(calc "$p99" %.0f) ms, ideal $IDEAL_P99 ms"
			continue
		fi
		ge "$(calc "$m / $IDEAL_RPS" %.5f)" $KA_GOAL &&
		    ge "$KA_P99" "$p99" && v=PASS
		goal "throughput-$cfg" $v "poolserve $pct% of the ideal" \
		    "$IDEAL_RPS req/s, p99 $(calc "$p99" %.0f) ms with" \
		    "keep-alive (goal >= $(calc "$KA_GOAL * 100")% and p99 <=" \
		    "$KA_P99 ms)"
	done
done

note "Ideal: $P*$T slots of $S s serve $IDEAL_RPS req/s.  With $C" \
    "closed-loop clients and FIFO queueing, requests go in rounds of $S s;" \
    "an answered client re-queues behind $((C - P * T)) others and waits" \
    "one or two rounds, so latencies are 1.0 s and 1.5 s, mean 1.25 s" \
    "(Little's law: $C / $IDEAL_RPS), p99 = ceil($C/$((P * T))) x $S s =" \
    "$IDEAL_P99 ms.  req/s is $N requests over the whole run's time," \
    "so the last, partly idle round counts against every server alike." \
    "ratio: req/s over the ideal."

bench_finish
