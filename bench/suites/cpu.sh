#!/usr/bin/env bash
# bench/suites/cpu.sh: GET /cpu/5 (5 ms of the thread's CPU time per
# request) with as many processes as cores: poolserve, uWSGI and gunicorn
# (gthread) running the same route in Flask.  The reference is the
# CPU-bound ideal, cores * 1000/5 req/s: every core busy with requests and
# nothing else.  Run it with bench/run cpu.
#
# The load generator (hey) runs on the same cores and takes its share, so
# no server reaches the ideal here; the ratio between servers is the
# figure to read.  Every request opens a new connection, as in the sleep
# suite, so that all servers see the same accept path.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init cpu "cpu: /cpu/5 with processes = cores"
need hey:hey uwsgi:uwsgi deb:uwsgi-plugin-python3 \
    /usr/bin/gunicorn:gunicorn py:flask:python3-flask

P=$(nproc) T=10 MS=5
C=$((P * T))			# every thread can have a request
IDEAL_RPS=$(calc "$P * 1000 / $MS")
# N requests, a multiple of C, about DURATION seconds of ideal work.
N=$(( ( ($(calc "int($IDEAL_RPS * $DURATION)") + C - 1) / C) * C ))
REFERENCE="the CPU-bound ideal: $P cores x 1000/$MS = $IDEAL_RPS req/s"
SETUP="hey -n $N -c $C -disable-keepalive on GET /cpu/$MS, $REPEATS runs per figure, interleaved."
PLOT_WHAT=rps

declare -A PORT PID LABEL
start_poolserve --processes "$P" --threads $T
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
LABEL[poolserve]="poolserve --processes $P --threads $T"
start_uwsgi "$P" $T
PORT[uwsgi]=$SRV_PORT PID[uwsgi]=$SRV_PID
LABEL[uwsgi]="uWSGI --processes $P --threads $T, Flask"
start_gunicorn gthread "$P" $T
PORT[gunicorn]=$SRV_PORT PID[gunicorn]=$SRV_PID
LABEL[gunicorn]="gunicorn -k gthread -w $P --threads $T, Flask"
# One thread per process too: for CPU-bound work more threads than cores
# only time-share the cores (and, with the load generator on the same
# cores, take CPU from it); the Python servers run one thread per process
# at a time anyway, under the GIL.
start_poolserve --processes "$P" --threads 1
PORT[poolserve1]=$SRV_PORT PID[poolserve1]=$SRV_PID
LABEL[poolserve1]="poolserve --processes $P --threads 1"
ORDER=(poolserve poolserve1 uwsgi gunicorn)

for srv in "${ORDER[@]}"; do
	: >"$TMP/runs.$srv"
	hey_run $C $C /cpu/1 "${PORT[$srv]}" >/dev/null	# warm-up
done
for rep in $(seq 1 "$REPEATS"); do
	order=("${ORDER[@]:$((rep % 4))}" "${ORDER[@]:0:$((rep % 4))}")
	for srv in "${order[@]}"; do
		r=$(hey_run "$N" $C "/cpu/$MS" "${PORT[$srv]}" -disable-keepalive)
		echo "$r" >>"$TMP/runs.$srv"
		say "$srv run $rep/$REPEATS: $r (req/s p50 p99 errors)"
	done
done

for srv in "${ORDER[@]}"; do
	read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$srv")
	read -r rss pss _ < <(mem "${PID[$srv]}")
	row "$C clients, /cpu/$MS" "${LABEL[$srv]}" "$m" "$lo" "$hi" \
	    "$p50" "$p99" "$err" "$rss" "$pss" "$(calc "$m / $IDEAL_RPS" %.3f)" \
	    "$(calc "100 * $m / $IDEAL_RPS" %.1f)% of the CPU-bound ideal"
done
note "ratio: req/s over the ideal $IDEAL_RPS req/s.  hey shares the $P" \
    "cores with the server (it parses and times every answer), so the" \
    "ideal is out of reach on this machine; compare the servers with" \
    "each other.  p50 and p99 include the wait for a core: $C requests" \
    "in progress share $P cores."

bench_finish
