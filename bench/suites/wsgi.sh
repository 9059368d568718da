#!/usr/bin/env bash
# bench/suites/wsgi.sh: Python WSGI applications on poolserve (--wsgi,
# embedded CPython) against uWSGI and gunicorn (-k gthread) with the same
# processes x threads, the same application and the same load, in one run.
# The reference is uWSGI (2.0.21 in Debian 12); gunicorn is the floor.
# Run it with bench/run wsgi; see bench/README.md.
#
# 1. Throughput, wrk -t1 -c50 for -d seconds, -r runs per figure, the
#    servers interleaved in a rotating order, keep-alive and with
#    "Connection: close": pure WSGI hello (apps/wsgi_hello.py) with 1
#    process, Flask hello (apps/flask_hello.py) with 1 and 2 processes,
#    10 threads each.  uWSGI runs --master --http11-socket for keep-alive
#    and --http-socket (which closes after every answer) for close.
# 2. Fairness in each keep-alive configuration, poolserve and uWSGI:
#    bench/fairclient.c, 50 keep-alive connections, one request
#    outstanding on each; min/max of the responses per connection.  uWSGI's threads each keep one
#    connection until the client closes it, so 50 clients on 10 threads
#    leave 40 with nothing; wrk's req/s cannot show that.
# 3. Flask /sleep/0.5 on 4 x 10 from 100 clients, a connection per
#    request (hey -disable-keepalive), against the ideal P*T/S = 80 req/s
#    (bench/suites/sleep.sh explains the ideal); one run each of
#    poolserve and uWSGI (gunicorn's is in bench/run sleep).
# 4. Memory of Flask on 4 x 10: RSS and PSS summed over the master and
#    its workers after the same short load on fresh servers, poolserve
#    and uWSGI importing the app in every worker (poolserve's default;
#    uWSGI --lazy-apps) and in the master before fork (poolserve
#    --preload; uWSGI's default), -r rounds, the median.
#    gunicorn's is in bench/run memory.  Then the same servers again
#    after a full collection (GET /gc, gc.collect()) in every worker, as a
#    worker that lives long enough runs one: shown beside the goals, as
#    INFO lines.
#
# Time: 18 wrk runs per repeat, 6 fairness runs of 3 s, 2 sleep runs of
# 2*-d s or more, 4 servers warmed and measured in each of -r rounds
# (about 10 s each): about 3 minutes with "-d 4 -r 1", 8 with the
# defaults.
#
# Goals (the issue's), each a PASS/MISS line: Flask >= 1.0x uWSGI at P=1
# and P=2, keep-alive and close; pure WSGI >= 0.8x uWSGI keep-alive and
# >= 1.0x with a connection per request; fairness >= 0.5; >= 2x gunicorn
# in every throughput configuration; /sleep/0.5 >= 99.5% of the ideal;
# 4x10 Flask RSS and PSS <= 0.8x uWSGI's in the same loading mode.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init wsgi "wsgi: poolserve --wsgi vs uWSGI and gunicorn gthread"
need wrk:wrk hey:hey curl:curl uwsgi:uwsgi deb:uwsgi-plugin-python3 \
    /usr/bin/gunicorn:gunicorn py:flask:python3-flask cc:gcc
T=10			# threads per process, every configuration
CONNS=50		# wrk -c, fairclient -c
FAIR_SECS=3
SLEEP_P=4 SLEEP_S=0.5 SLEEP_C=100
SLEEP_IDEAL=$(calc "$SLEEP_P * $T / $SLEEP_S")		# 80 req/s
SLEEP_P99=$(calc "int(($SLEEP_C + $SLEEP_P * $T - 1) / ($SLEEP_P * $T)) * $SLEEP_S * 1000")
# N as in sleep.sh: a multiple of 200, at least 2*DURATION s of ideal work.
SLEEP_N=$(( ( ($(calc "int($SLEEP_IDEAL * 2 * $DURATION)") + 199) / 200) * 200 ))
GOAL_FLASK=1.0 GOAL_WSGI_KA=0.8 GOAL_WSGI_CLOSE=1.0 GOAL_GUNICORN=2.0
GOAL_FAIR=0.5 GOAL_SLEEP=0.995 GOAL_MEM=0.8
UWSGI_VERSION=$(uwsgi --version 2>/dev/null | head -n 1)
GUNICORN_VERSION=$(/usr/bin/gunicorn --version 2>/dev/null | awk '{ print $NF }' | tr -d ')')
REFERENCE="uWSGI $UWSGI_VERSION with the same processes x threads and application, same run (sleep: the ideal P*T/S; memory: uWSGI loading the app the same way)"
SETUP="wrk -t1 -c$CONNS -d${DURATION}s --latency, $REPEATS runs per figure, interleaved; $T threads per process everywhere; gunicorn $GUNICORN_VERSION -k gthread; Python $($PY -c 'import sys; print(sys.version.split()[0])'), Flask $($PY -c 'import flask; print(flask.__version__)' 2>/dev/null)."
PLOT_WHAT=rps
APPS=$BENCH_DIR/apps
export CONNS

"${CC:-cc}" -O2 -o "$TMP/fairclient" "$BENCH_DIR/fairclient.c" ||
    die "cannot compile $BENCH_DIR/fairclient.c"

# --- servers ----------------------------------------------------------------

# The application as each server names it: APP is wsgi or flask.
ps_app() {
	case $1 in
	wsgi) echo "--wsgi-file $APPS/wsgi_hello.py" ;;
	flask) echo "--pythonpath $APPS --wsgi flask_hello:app" ;;
	esac
}
uwsgi_app() {
	case $1 in
	wsgi) echo "--wsgi-file wsgi_hello.py" ;;
	flask) echo "--wsgi-file flask_hello.py --callable app" ;;
	esac
}
gunicorn_app() {
	case $1 in
	wsgi) echo "wsgi_hello:application" ;;
	flask) echo "flask_hello:app" ;;
	esac
}

# wsgi_poolserve APP P [options]: SRV_PID, SRV_PORT.
wsgi_poolserve() {
	local app=$1 p=$2
	shift 2
	# shellcheck disable=SC2046	# the words of ps_app, on purpose
	start_poolserve --processes "$p" --threads $T $(ps_app "$app") "$@"
}

# wsgi_uwsgi SOCKET APP P [options]: uWSGI --master with P processes of T
# threads, SOCKET http11 (--http11-socket, keep-alive) or http
# (--http-socket, a connection per request).  --die-on-term only so that
# the EXIT trap's SIGTERM stops it; the suite stops it with SIGINT.
wsgi_uwsgi() {
	local sock=$1 app=$2 p=$3 log=$TMP/uwsgi.$RANDOM.log
	shift 3
	SRV_PORT=$(free_port)
	# shellcheck disable=SC2046
	uwsgi --plugin python3 --"$sock"-socket "127.0.0.1:$SRV_PORT" \
	    --master --die-on-term --processes "$p" --threads $T --listen 128 \
	    --disable-logging --chdir "$APPS" $(uwsgi_app "$app") "$@" \
	    >"$log" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "uWSGI --$sock-socket $app --processes $p --threads $T${*:+ $*}" \
	    "$SRV_PID" "$SRV_PORT" "$p" "$log"
}

# wsgi_gunicorn APP P [options]: gunicorn -k gthread, backlog 128.
wsgi_gunicorn() {
	local app=$1 p=$2 log=$TMP/gunicorn.$RANDOM.log
	shift 2
	SRV_PORT=$(free_port)
	/usr/bin/gunicorn --chdir "$APPS" -k gthread -w "$p" --threads $T \
	    --backlog 128 -b "127.0.0.1:$SRV_PORT" "$@" "$(gunicorn_app "$app")" \
	    >"$log" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "gunicorn -k gthread $app -w $p --threads $T${*:+ $*}" \
	    "$SRV_PID" "$SRV_PORT" "$p" "$log"
}

# stop_int PID...: SIGINT to each at once (uWSGI's way out: workers
# killed, master exits; a fast stop for poolserve and gunicorn), up to 5 s
# for them all; then lib.sh's stop for what is left.
stop_int() {
	local pid kids="" i alive
	for pid in "$@"; do
		kids="$kids $(children "$pid")"
		kill -INT "$pid" 2>/dev/null || true
	done
	for i in $(seq 1 50); do
		alive=0
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "$@"; do
		stop "$pid"
	done
	for i in $kids; do
		kill -KILL "$i" 2>/dev/null || true
	done
}

# wrk1 SECONDS PORT [wrk options]: lib.sh's wrk_run with one wrk thread,
# as the issue's figures were taken (wrk keeps the last -t it is given).
wrk1() {
	local secs=$1 port=$2
	shift 2
	wrk_run "$secs" "$port" / -t1 "$@"
}

# fair PORT: "ratio zero total" of one fairclient run.
fair() {
	local line
	line=$(timeout $((FAIR_SECS + 30)) "$TMP/fairclient" -c $CONNS \
	    -d $FAIR_SECS "127.0.0.1:$1") || die "fairclient failed: $line"
	echo "$line" | awk '{ for (i = 1; i <= NF; i++) {
	    split($i, kv, "="); v[kv[1]] = kv[2] }
	    print v["ratio"], v["zero"], v["total"] }'
}

# verdict VALUE GOAL: PASS when VALUE >= GOAL.
verdict() {
	if ge "$1" "$2"; then echo PASS; else echo MISS; fi
}

# --- 1, 2: throughput and fairness ------------------------------------------

declare -A PORT PID MED FAIRV MEMV
declare -A APPNAME=([wsgi]="pure WSGI hello" [flask]="Flask hello")
for combo in "wsgi 1" "flask 1" "flask 2"; do
	read -r app p <<<"$combo"
	key=$app-p$p
	wsgi_poolserve "$app" "$p"
	PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
	wsgi_uwsgi http11 "$app" "$p"
	PORT[uwsgi-ka]=$SRV_PORT PID[uwsgi-ka]=$SRV_PID
	wsgi_uwsgi http "$app" "$p"
	PORT[uwsgi-close]=$SRV_PORT PID[uwsgi-close]=$SRV_PID
	wsgi_gunicorn "$app" "$p"
	PORT[gunicorn]=$SRV_PORT PID[gunicorn]=$SRV_PID
	# Warm-up, $T clients: with more, uWSGI --http11-socket leaves the
	# others in the backlog until a thread's client closes.
	for srv in poolserve uwsgi-ka uwsgi-close gunicorn; do
		hey_run 1000 $T / "${PORT[$srv]}" >/dev/null
	done
	for cfg in keep-alive close; do
		uw=uwsgi-ka opt=()
		[ $cfg = close ] && uw=uwsgi-close opt=(-H "Connection: close")
		srvs=(poolserve "$uw" gunicorn)
		for srv in "${srvs[@]}"; do
			: >"$TMP/runs.$key.$cfg.$srv"
		done
		for rep in $(seq 1 "$REPEATS"); do
			order=("${srvs[@]:$((rep % 3))}" "${srvs[@]:0:$((rep % 3))}")
			for srv in "${order[@]}"; do
				r=$(wrk1 "$DURATION" "${PORT[$srv]}" "${opt[@]}")
				echo "$r" >>"$TMP/runs.$key.$cfg.$srv"
				say "$key $cfg $srv run $rep/$REPEATS: $r" \
				    "(req/s p50 p99 errors)"
			done
		done
		for srv in "${srvs[@]}"; do
			read -r m _ <<<"$(summary "$TMP/runs.$key.$cfg.$srv")"
			MED[$key,$cfg,${srv%-*}]=$m
		done
	done
	# Fairness: poolserve and uWSGI --http11-socket, one run each.
	for srv in poolserve uwsgi-ka; do
		FAIRV[$key,${srv%-*}]=$(fair "${PORT[$srv]}")
		say "$key fairness $srv: ${FAIRV[$key,${srv%-*}]} (min/max," \
		    "connections served nothing, responses)"
	done
	for srv in poolserve uwsgi-ka uwsgi-close gunicorn; do
		MEMV[$srv]=$(mem "${PID[$srv]}")
	done
	stop_int "${PID[poolserve]}" "${PID[uwsgi-ka]}" "${PID[uwsgi-close]}" \
	    "${PID[gunicorn]}"
	say "$key done at ${SECONDS} s"

	conf="${APPNAME[$app]}, $p x $T"
	for cfg in keep-alive close; do
		uw=uwsgi-ka sock="--http11-socket" cl=keep-alive
		[ $cfg = close ] && uw=uwsgi-close sock="--http-socket" \
		    cl="Connection: close"
		ref=${MED[$key,$cfg,uwsgi]}
		for srv in poolserve "$uw" gunicorn; do
			read -r m lo hi p50 p99 err < \
			    <(summary "$TMP/runs.$key.$cfg.$srv")
			read -r rss pss _ <<<"${MEMV[$srv]}"
			case $srv in
			poolserve) label="poolserve"
			    n="$(calc "$m / ${MED[$key,$cfg,gunicorn]}" %.2f)x gunicorn" ;;
			uwsgi*) label="uWSGI --master $sock"; n="" ;;
			gunicorn) label="gunicorn -k gthread"; n="" ;;
			esac
			if [ $cfg = keep-alive ] && [ $srv != gunicorn ]; then
				read -r fr fz _ <<<"${FAIRV[$key,${srv%-*}]}"
				n="${n:+$n; }fairness $fr, $fz of $CONNS connections served nothing"
			fi
			row "$conf, $cl" "$label" "$m" "$lo" "$hi" "$p50" "$p99" \
			    "$err" "$rss" "$pss" "$(calc "$m / $ref" %.2f)" "$n"
		done
	done
done
note "Throughput: wrk -t1 -c$CONNS, $REPEATS runs of ${DURATION} s per" \
    "figure, all servers of a configuration up at once and measured in a" \
    "rotating order after a warm-up (hey -n 1000 -c $T).  ratio: req/s over" \
    "uWSGI's in the same row group.  errors: wrk's socket errors and" \
    "non-2xx answers, all runs.  RSS and PSS: summed over the master and" \
    "its workers after the load.  uWSGI serves keep-alive with" \
    "--http11-socket and a connection per request with --http-socket (it" \
    "closes after every answer); poolserve and gunicorn serve both from" \
    "one instance, wrk sending \"Connection: close\" for the second." \
    "uWSGI's errors with a connection per request are wrk's read" \
    "errors: --http-socket answers \"HTTP/1.1\" without \"Connection:" \
    "close\" and then closes, which wrk counts as an error after the" \
    "complete answer it counted.  Fairness: bench/fairclient.c, $CONNS" \
    "keep-alive connections for $FAIR_SECS s against poolserve and uWSGI" \
    "--http11-socket, one request outstanding on each, min/max of the" \
    "responses per connection (1: all alike; 0: some connection got" \
    "nothing), one run each."

# Goals of the throughput part.
for key in wsgi-p1 flask-p1 flask-p2; do
	for cfg in keep-alive close; do
		ps=${MED[$key,$cfg,poolserve]}
		r=$(calc "$ps / ${MED[$key,$cfg,uwsgi]}" %.2f)
		g=$GOAL_FLASK
		case $key,$cfg in
		wsgi*,keep-alive) g=$GOAL_WSGI_KA ;;
		wsgi*,close) g=$GOAL_WSGI_CLOSE ;;
		esac
		goal "$key-$cfg-uwsgi" "$(verdict "$r" "$g")" "poolserve" \
		    "$ps req/s, ${r}x uWSGI ${MED[$key,$cfg,uwsgi]} (goal >= ${g}x)"
		r=$(calc "$ps / ${MED[$key,$cfg,gunicorn]}" %.2f)
		goal "$key-$cfg-gunicorn" "$(verdict "$r" $GOAL_GUNICORN)" \
		    "poolserve ${r}x gunicorn gthread" \
		    "${MED[$key,$cfg,gunicorn]} (goal >= ${GOAL_GUNICORN}x)"
	done
	read -r fr fz _ <<<"${FAIRV[$key,poolserve]}"
	read -r ur uz _ <<<"${FAIRV[$key,uwsgi]}"
	goal "$key-fairness" "$(verdict "$fr" $GOAL_FAIR)" "poolserve min/max" \
	    "$fr ($fz of $CONNS connections served nothing); uWSGI $ur ($uz)" \
	    "(goal >= $GOAL_FAIR)"
done

# --- 3: /sleep/0.5 on 4 x 10; 4: memory of Flask on 4 x 10 -----------------

P=$SLEEP_P
declare -A RSS PSS RSSGC PSSGC INFO LABELM

# mem_proc PID: "RSS PSS" of PID alone, in kB.
mem_proc() {
	echo "$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")" \
	    "$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup")"
}

# mem_measure MODE SRV: one fresh server of SRV (poolserve, uwsgi) loading
# the app as MODE says (each: in every worker; preload: in the master),
# memory.sh's warm-up, 2000 hellos from 50 clients, then 2xPxT requests
# of /sleep/0.2 from PxT clients (every thread runs one); then a line
# "RSS PSS threads processes master-RSS master-PSS RSS-gc PSS-gc" of the
# master and its workers, appended to $TMP/mem.MODE.SRV, the last two
# after 200 requests of /gc (gc.collect()) from 20 clients, a connection
# each (every worker gets some).  The server is stopped.
mem_measure() {
	local mode=$1 srv=$2 rss pss thr nproc mrss mpss rgc pgc
	case $mode,$srv in
	each,poolserve) wsgi_poolserve flask $P ;;
	preload,poolserve) wsgi_poolserve flask $P --preload ;;
	each,uwsgi) wsgi_uwsgi http flask $P --lazy-apps ;;
	preload,uwsgi) wsgi_uwsgi http flask $P ;;
	esac
	hey_run 2000 50 / "$SRV_PORT" >/dev/null
	hey_run $((2 * P * T)) $((P * T)) /sleep/0.2 "$SRV_PORT" >/dev/null
	sleep 0.5
	read -r rss pss thr nproc < <(mem "$SRV_PID")
	read -r mrss mpss < <(mem_proc "$SRV_PID")
	hey_run 200 20 /gc "$SRV_PORT" -disable-keepalive >/dev/null
	sleep 0.5
	read -r rgc pgc _ < <(mem "$SRV_PID")
	stop_int "$SRV_PID"
	echo "$rss $pss $thr $nproc $mrss $mpss $rgc $pgc" >>"$TMP/mem.$mode.$srv"
	say "memory $mode $srv: RSS $rss kB, PSS $pss kB (master $mrss," \
	    "$mpss), $nproc processes, $thr threads; after a full" \
	    "collection RSS $rgc kB, PSS $pgc kB"
}

# mem_median MODE SRV FIELD: the median of FIELD (1-8, as mem_measure
# writes them) over the rounds, in whole kB.
mem_median() {
	local m
	read -r m _ < <(awk -v f="$3" '{ print $f }' "$TMP/mem.$1.$2" | stats)
	calc "$m" %.0f
}

# The sleep runs: poolserve as it loads by default, uWSGI as it does.
for srv in poolserve uwsgi; do
	case $srv in
	poolserve) wsgi_poolserve flask $P; label="poolserve" ;;
	uwsgi) wsgi_uwsgi http flask $P; label="uWSGI --master --http-socket" ;;
	esac
	hey_run 40 40 /sleep/0.01 "$SRV_PORT" >/dev/null	# warm-up
	r=$(hey_run "$SLEEP_N" $SLEEP_C "/sleep/$SLEEP_S" "$SRV_PORT" \
	    -disable-keepalive)
	say "sleep $srv: $r (req/s p50 p99 errors)"
	read -r m p50 p99 err <<<"$r"
	read -r rss pss _ < <(mem "$SRV_PID")
	pct=$(calc "100 * $m / $SLEEP_IDEAL" %.2f)
	row "Flask /sleep/$SLEEP_S, $P x $T, $SLEEP_C clients, connection per request" \
	    "$label" "$m" - - "$p50" "$p99" "$err" "$rss" "$pss" \
	    "$(calc "$m / $SLEEP_IDEAL" %.3f)" \
	    "$pct% of the ideal $SLEEP_IDEAL req/s; p99 $(calc "$p99 / $SLEEP_P99" %.2f)x the ideal $SLEEP_P99 ms"
	[ $srv = poolserve ] &&
	    goal sleep "$(verdict "$(calc "$m / $SLEEP_IDEAL" %.5f)" $GOAL_SLEEP)" \
	    "poolserve $pct% of the ideal $SLEEP_IDEAL req/s (goal >=" \
	    "$(calc "$GOAL_SLEEP * 100")%); p99 $(calc "$p99" %.0f) ms," \
	    "ideal $SLEEP_P99 ms"
	stop_int "$SRV_PID"
done
say "sleep done at ${SECONDS} s"
note "Sleep: hey -n $SLEEP_N -c $SLEEP_C -disable-keepalive on" \
    "GET /sleep/$SLEEP_S, one run per server (gunicorn gthread: see" \
    "bench/run sleep); the reference here is the ideal server, $P x $T" \
    "slots of $SLEEP_S s: $SLEEP_IDEAL req/s, p99 $SLEEP_P99 ms" \
    "(bench/README.md, sleep).  ratio: req/s over the ideal.  RSS and" \
    "PSS of these rows: after the sleep run, poolserve importing the app" \
    "in each worker and uWSGI in the master, so not comparable; the" \
    "memory rows below compare each loading mode on fresh servers."

# Memory: the four servers, each fresh, the same requests before it is
# measured, $REPEATS rounds in a rotating order; the median of each figure.
MEMSRVS=(each,poolserve each,uwsgi preload,poolserve preload,uwsgi)
for rep in $(seq 1 "$REPEATS"); do
	k=$((rep % ${#MEMSRVS[@]}))
	for ms in "${MEMSRVS[@]:$k}" "${MEMSRVS[@]:0:$k}"; do
		mem_measure "${ms%,*}" "${ms#*,}"
	done
done
for mode in each preload; do
	for srv in poolserve uwsgi; do
		RSS[$mode,$srv]=$(mem_median $mode $srv 1)
		PSS[$mode,$srv]=$(mem_median $mode $srv 2)
		RSSGC[$mode,$srv]=$(mem_median $mode $srv 7)
		PSSGC[$mode,$srv]=$(mem_median $mode $srv 8)
		read -r _ _ thr nproc _ <"$TMP/mem.$mode.$srv"
		INFO[$mode,$srv]="$nproc processes, $thr threads; the master alone RSS $(mem_median $mode $srv 5) kB, PSS $(mem_median $mode $srv 6) kB"
	done
done
say "memory done at ${SECONDS} s"

# The floor: the app alone in a bare python3 process, a worker's share of
# the same requests from T threads (wsgi_bare.py); P of them.
read -r BARE_RSS BARE_ANON < <(python3 "$BENCH_DIR/suites/wsgi_bare.py" \
    "$APPS" flask_hello:app "$T" $((2000 / P)) $((2 * T))) ||
    die "wsgi_bare.py failed"
say "memory floor: bare python3 with the app: RSS $BARE_RSS kB," \
    "anonymous $BARE_ANON kB"
# And imported before fork: one python3 that imports it, collects and
# freezes, and forks P children that make those calls; RSS and PSS summed.
read -r PRE_RSS PRE_PSS < <(python3 "$BENCH_DIR/suites/wsgi_bare.py" \
    "$APPS" flask_hello:app "$T" $((2000 / P)) $((2 * T)) "$P") ||
    die "wsgi_bare.py $P failed"
say "memory floor, imported before fork: RSS $PRE_RSS kB, PSS $PRE_PSS kB"

LABELM=([each,poolserve]="poolserve" [each,uwsgi]="uWSGI --lazy-apps"
    [preload,poolserve]="poolserve --preload"
    [preload,uwsgi]="uWSGI (its default)")
for mode in each preload; do
	what="app imported in each worker"
	[ $mode = preload ] && what="app imported in the master before fork"
	for srv in poolserve uwsgi; do
		row "memory, Flask $P x $T, $what" "${LABELM[$mode,$srv]}" \
		    - - - - - - "${RSS[$mode,$srv]}" "${PSS[$mode,$srv]}" \
		    "$(calc "${RSS[$mode,$srv]} / ${RSS[$mode,uwsgi]}" %.2f)" \
		    "${INFO[$mode,$srv]}; PSS $(calc "${PSS[$mode,$srv]} / ${PSS[$mode,uwsgi]}" %.2f)x uWSGI's"
	done
	for srv in poolserve uwsgi; do
		row "memory, Flask $P x $T, $what, after a full collection in each worker" \
		    "${LABELM[$mode,$srv]}" - - - - - - "${RSSGC[$mode,$srv]}" \
		    "${PSSGC[$mode,$srv]}" \
		    "$(calc "${RSSGC[$mode,$srv]} / ${RSSGC[$mode,uwsgi]}" %.2f)" \
		    "PSS $(calc "${PSSGC[$mode,$srv]} / ${PSSGC[$mode,uwsgi]}" %.2f)x uWSGI's"
	done
	[ $mode = each ] &&
	    row "memory, Flask $P x $T, $what" \
		"the app alone: $P bare python3 processes, no server" \
		- - - - - - $((P * BARE_RSS)) $((P * BARE_ANON)) \
		"$(calc "$P * $BARE_RSS / ${RSS[each,uwsgi]}" %.2f)" \
		"the floor: $P x the app in python3 with a worker's share of the same requests from $T threads (bench/suites/wsgi_bare.py); PSS: its anonymous memory alone, $(calc "$P * $BARE_ANON / ${PSS[each,uwsgi]}" %.2f)x uWSGI's"
	[ $mode = preload ] &&
	    row "memory, Flask $P x $T, $what" \
		"the app alone: python3 importing it, $P forked children, no server" \
		- - - - - - "$PRE_RSS" "$PRE_PSS" \
		"$(calc "$PRE_RSS / ${RSS[preload,uwsgi]}" %.2f)" \
		"the floor: python3 imports the app, gc.collect(), gc.freeze(), forks $P children that each make a worker's share of the same requests from $T threads (bench/suites/wsgi_bare.py); PSS $(calc "$PRE_PSS / ${PSS[preload,uwsgi]}" %.2f)x uWSGI's"
	for kind in RSS PSS; do
		declare -n fig=$kind
		r=$(calc "${fig[$mode,poolserve]} / ${fig[$mode,uwsgi]}" %.2f)
		name=memory-${kind,,}
		[ $mode = preload ] && name=$name-preload
		goal "$name" "$(verdict "$GOAL_MEM" "$r")" \
		    "${LABELM[$mode,poolserve]} $kind" \
		    "$(calc "${fig[$mode,poolserve]} / 1024" %.1f) MB, ${r}x" \
		    "uWSGI's $(calc "${fig[$mode,uwsgi]} / 1024" %.1f) MB" \
		    "(goal <= ${GOAL_MEM}x)"
		unset -n fig
		declare -n fig=${kind}GC
		r=$(calc "${fig[$mode,poolserve]} / ${fig[$mode,uwsgi]}" %.2f)
		goal "$name-gc" INFO "${LABELM[$mode,poolserve]} $kind after a" \
		    "full collection in each worker" \
		    "$(calc "${fig[$mode,poolserve]} / 1024" %.1f) MB, ${r}x" \
		    "uWSGI's $(calc "${fig[$mode,uwsgi]} / 1024" %.1f) MB"
		unset -n fig
	done
done
r=$(calc "$P * $BARE_RSS / ${RSS[each,uwsgi]}" %.2f)
p=$(calc "$P * $BARE_ANON / ${PSS[each,uwsgi]}" %.2f)
goal memory-floor INFO "the app alone in $P bare python3 processes:" \
    "RSS $(calc "$P * $BARE_RSS / 1024" %.1f) MB, ${r}x uWSGI's" \
    "(--lazy-apps), anonymous $(calc "$P * $BARE_ANON / 1024" %.1f) MB," \
    "${p}x uWSGI's PSS: no server's $P x $T Flask holds less"
r=$(calc "$PRE_RSS / ${RSS[preload,uwsgi]}" %.2f)
p=$(calc "$PRE_PSS / ${PSS[preload,uwsgi]}" %.2f)
goal memory-floor-preload INFO "the app alone, imported in python3 and" \
    "$P children forked: RSS $(calc "$PRE_RSS / 1024" %.1f) MB, ${r}x" \
    "uWSGI's, PSS $(calc "$PRE_PSS / 1024" %.1f) MB, ${p}x uWSGI's: no" \
    "server's $P x $T Flask imported before fork holds less"
note "Memory: Flask on $P x $T, each server fresh, after hey -n 2000 -c" \
    "50 on / and $((2 * P * T)) requests of /sleep/0.2 from $((P * T))" \
    "clients, the same for all four; RSS (VmRSS) and PSS (smaps_rollup)" \
    "summed over the master and its workers (the master alone in the" \
    "notes), the median of $REPEATS rounds, the four servers in a rotating" \
    "order in each.  ratio: RSS over uWSGI's loading the app the same" \
    "way: in each worker (uWSGI --lazy-apps, poolserve's default) or in" \
    "the master before fork (uWSGI's default, poolserve --preload)." \
    "gunicorn's memory: bench/run memory.  After a full collection: the" \
    "same servers once more after 200 requests of /gc (gc.collect()) from" \
    "20 clients, a connection each, so that every worker runs one, as a" \
    "worker that lives long enough does: one that inherited the master's" \
    "objects then writes to each of them, unless they were frozen before" \
    "fork (poolserve --preload runs gc.collect() and gc.freeze() in the" \
    "master).  The floor: the application without a server, in $P bare" \
    "python3 processes, each importing it and calling it with a worker's" \
    "share of the same requests ($((2000 / P)) on /, $((2 * T)) on" \
    "/sleep/0.2 from $T threads): every worker of any server holds at" \
    "least that.  Imported before fork, the floor is one python3 that" \
    "imports the app, collects and freezes it (gc.freeze(), as poolserve" \
    "--preload does) and forks $P children that make those calls, its" \
    "RSS and PSS summed over all: the pages that the children's reference" \
    "counting writes to are copied in any server."

bench_finish
