#!/usr/bin/env bash
# bench/suites/c10k.sh: 10,000 connections opened at once, one GET
# /sleep/0.1 on each (bench/suites/c10k_client.py), against
#   poolserve --processes 4 --threads 10 --listen 4096, at its defaults,
#     with --max-wait 1000 (queued clients past 1 s shed with 503), and,
#     in the suite's own network namespace only, with
#     net.ipv4.tcp_max_syn_backlog = 16384 (the SYN queue alone), and with
#     --listen 16384 and net.core.somaxconn = net.ipv4.tcp_max_syn_backlog
#     = 16384 (every client fits in the accept queue)
# and against Flask's own threaded server (werkzeug, app.run(threaded=True),
# bench/apps/labapp.py), which starts a new thread for every connection:
# the model of the seed write-ups.  werkzeug runs twice: with the same
# descriptor limit as poolserve and with the common default ulimit -n 1024.
#
# What must hold for poolserve: the thread count never changes (sampled
# from /proc/PID/task every 0.2 s), no worker dies (the workers' pids are
# the same after), and every request is answered or cleanly refused: the
# table splits each run into 200 / 503 / refused / reset / timed out and
# gives the kernel's counters for it (nstat deltas: ListenOverflows,
# ListenDrops, SyncookiesSent, SYN retransmits).  Run as root, the suite
# runs in a network namespace of its own (bench/kernel.sh), so that the
# counters are its alone and the sysctl run changes nothing outside it.
# For werkzeug the suite reports the peak thread count and the errors.
#
# One run per server (a pass/fail scale test, not a rate to average);
# BENCH_DURATION and BENCH_REPEATS do not apply.  Run it with bench/run
# c10k.
set -eu
. "$(dirname "$0")/../lib.sh"
. "$BENCH_DIR/kernel.sh"

SUITE=c10k
need /usr/bin/python3:python3 py:flask:python3-flask nstat:iproute2
in_netns "$@"
bench_init c10k "c10k: 10,000 connections at once"
CONNS=${BENCH_C10K_CONNS:-10000} PATH_=/sleep/0.1 TIMEOUT=60 HOLD=3
P=4 T=10 LISTEN=4096 MAXWAIT=1000 BIG=16384
REFERENCE="poolserve --processes $P --threads $T, same run"
SETUP="c10k_client.py -n $CONNS -w $HOLD -t $TIMEOUT -p $PATH_: every connection opened at once, those up within $HOLD s silent until then, then one request each with \"Connection: close\"."
PLOT_WHAT=

# The client needs CONNS descriptors, and so may a server: raise the soft
# limit to the hard one (both inherit it), or skip.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((CONNS + 100)) ]; then
	echo "bench/c10k: ulimit -Hn is $hard, $((CONNS + 100)) needed" >&2
	exit 77
fi
ulimit -S -n "$hard"
SOMAXCONN=$(cat /proc/sys/net/core/somaxconn)

# sample PID OUT: every 0.2 s, "threads processes pids" of PID and its
# children into OUT, until PID is gone or the file STOP exists.
sample() {
	local pid=$1 out=$2 p thr n pids
	while kill -0 "$pid" 2>/dev/null && [ ! -e "$TMP/stop" ]; do
		thr=0 n=0 pids=
		for p in "$pid" $(children "$pid"); do
			thr=$((thr + $(ls "/proc/$p/task" 2>/dev/null | wc -l)))
			n=$((n + 1)) pids="$pids${pids:+,}$p"
		done
		echo "$thr $n $pids" >>"$out"
		sleep 0.2
	done
}

# run NAME LABEL [HOLD]: the client (-w HOLD, default $HOLD) against
# SRV_PID/SRV_PORT with the sampler; one table row, figures in $TMP/NAME.*.
run() {
	local name=$1 label=$2 hold=${3:-$HOLD} line rss pss peak low crashed before after kern
	before=$(children "$SRV_PID" | tr ' ' '\n' | sort | tr '\n' ' ')
	rm -f "$TMP/stop"
	nstat_snap "$TMP/$name.ns0"
	sample "$SRV_PID" "$TMP/$name.threads" &
	local sampler=$!
	line=$(timeout $((TIMEOUT + 60)) "$PY" "$BENCH_DIR/suites/c10k_client.py" \
	    -n $CONNS -w "$hold" -t $TIMEOUT -p "$PATH_" "127.0.0.1:$SRV_PORT" \
	    2>"$TMP/$name.client.err") || die "c10k_client failed: $line $(cat "$TMP/$name.client.err")"
	read -r rss pss _ < <(mem "$SRV_PID")
	nstat_snap "$TMP/$name.ns1"
	kern=$(nstat_delta "$TMP/$name.ns0" "$TMP/$name.ns1")
	touch "$TMP/stop"
	wait "$sampler" || true
	after=$(children "$SRV_PID" | tr ' ' '\n' | sort | tr '\n' ' ')
	read -r low peak < <(awk 'NR == 1 { lo = hi = $1 }
	    { if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	    END { print lo + 0, hi + 0 }' "$TMP/$name.threads")
	kill -0 "$SRV_PID" 2>/dev/null && crashed=no || crashed="yes: the server died"
	[ "$before" = "$after" ] || crashed="workers replaced: $before -> $after"
	say "$name: $line; threads $low-$peak; crashed: $crashed; kernel: $kern"
	sed 's/^/# /' "$TMP/$name.client.err" >&2
	echo "$line" | tr ' ' '\n' >"$TMP/$name.fig"
	fig() { sed -n "s/^$1=//p" "$TMP/$name.fig"; }
	local ans el p50 p99 errs
	ans=$(fig answered) el=$(fig elapsed)
	p50=$(calc "$(fig p50) * 1000") p99=$(calc "$(fig p99) * 1000")
	errs=$(( $(fig reset) + $(fig closed) + $(fig errors) + $(fig timeout) + $(fig otherstatus) ))
	[ "$name" = poolserve ] && REF_ANS=$ans
	row "$CONNS connections, $PATH_, -w $hold" "$label" "$(calc "$ans / $el" %.1f)" - - \
	    "$p50" "$p99" "$errs" "$rss" "$pss" \
	    "$(calc "$ans / ($REF_ANS > 0 ? $REF_ANS : 1)" %.3f)" \
	    "answered $ans, 503 $(fig status503), refused $(fig refused), reset $(fig reset), closed unanswered $(fig closed), errors $(fig errors), timed out $(fig timeout) in $el s; most connections up at once $(fig peak_connected); threads $low–$peak; crashed: $crashed; kernel: $kern"
	# The figures for the goals and the notes.
	eval "${name}_ans=$ans ${name}_low=$low ${name}_peak=$peak"
	eval "${name}_crashed='$crashed' ${name}_clean=$(( $(fig status503) + $(fig refused) ))"
	eval "${name}_bad=$errs ${name}_reset=$(fig reset)"
	eval "${name}_split='200: $ans, 503: $(fig status503), refused: $(fig refused), reset: $(fig reset), closed: $(fig closed), timed out: $(fig timeout), errors: $(( $(fig errors) + $(fig otherstatus) ))'"
	eval "${name}_kern='$kern'"
}

start_poolserve --processes $P --threads $T --listen $LISTEN
run poolserve "poolserve --processes $P --threads $T --listen $LISTEN"
stop "$SRV_PID"

# --max-wait counts the time a connection was silent before its request
# as waiting (tcpi_last_data_recv of a connection that has sent nothing
# is its age): a client held 3 s is shed at once, whatever the queue.  So
# the --max-wait run has every client send as soon as it is connected
# (-w 0), beside the defaults with the same load.
start_poolserve --processes $P --threads $T --listen $LISTEN
run nohold "poolserve --processes $P --threads $T --listen $LISTEN" 0
stop "$SRV_PID"
start_poolserve --processes $P --threads $T --listen $LISTEN \
    --max-wait $MAXWAIT
run maxwait "poolserve --processes $P --threads $T --listen $LISTEN --max-wait $MAXWAIT" 0
stop "$SRV_PID"

# Every client in the accept queue: only inside the suite's own network
# namespace, whose sysctls are its own.
sysctl_run=no
if [ -n "${BENCH_NETNS:-}" ]; then
	SYN0=$(sysctl -n net.ipv4.tcp_max_syn_backlog)
	# The backlog as given, the SYN queue alone raised: the resets are
	# half-open connections the kernel prunes from a full SYN queue.
	sysctl -q -w net.ipv4.tcp_max_syn_backlog=$BIG
	start_poolserve --processes $P --threads $T --listen $LISTEN
	run synq "poolserve --processes $P --threads $T --listen $LISTEN, net.ipv4.tcp_max_syn_backlog $BIG"
	stop "$SRV_PID"
	sysctl -q -w net.core.somaxconn=$BIG net.ipv4.tcp_max_syn_backlog=$BIG
	start_poolserve --processes $P --threads $T --listen $BIG
	run sysctl "poolserve --processes $P --threads $T --listen $BIG, net.core.somaxconn and tcp_max_syn_backlog $BIG"
	stop "$SRV_PID"
	sysctl -q -w net.core.somaxconn="$SOMAXCONN" \
	    net.ipv4.tcp_max_syn_backlog="$SYN0"
	sysctl_run=yes
fi

start_werkzeug
run werkzeug "werkzeug threaded (Flask app.run(threaded=True)), ulimit -n $(ulimit -n)"
grep -E -m 5 "Too many open files|can't start new thread|Traceback|Error" \
    "$SRV_LOG" >"$TMP/werkzeug.errlines" || true
werkzeug_errlines=$(grep -c -E "Too many open files|can't start new thread|Error" "$SRV_LOG" || true)
stop "$SRV_PID"

# The same with the descriptor limit most systems give a service.
ulimit -S -n 1024
start_werkzeug
ulimit -S -n "$hard"	# the client's own limit again
run werkzeug1024 "werkzeug threaded, ulimit -n 1024"
grep -E -m 5 "Too many open files|can't start new thread|Traceback|Error" \
    "$SRV_LOG" >"$TMP/werkzeug1024.errlines" || true
werkzeug1024_errlines=$(grep -c -E "Too many open files|can't start new thread|Error" "$SRV_LOG" || true)
stop "$SRV_PID"

expect=$((P * (T + 1) + 1))	# each worker T + 1 threads, the master 1
v=PASS
[ "$poolserve_low" -eq "$poolserve_peak" ] || v=MISS
goal threads $v "poolserve threads $poolserve_low–$poolserve_peak during" \
    "the run (constant; $P x ($T + 1) + master: $expect expected)"
v=PASS
[ "$poolserve_crashed" = no ] || v=MISS
goal crashes $v "poolserve workers replaced or dead: $poolserve_crashed"
v=PASS
[ "$poolserve_bad" -eq 0 ] || v=MISS
goal answered $v "poolserve --listen $LISTEN: $poolserve_split" \
    "(goal: every client a 200 or a 503, none reset or timed out)"
v=PASS
[ "$nohold_bad" -eq 0 ] && [ "$nohold_crashed" = no ] || v=MISS
goal answered-nohold $v "poolserve --listen $LISTEN, clients not held" \
    "(-w 0): $nohold_split (same goal)"
v=PASS
[ "$maxwait_bad" -eq 0 ] && [ "$maxwait_crashed" = no ] || v=MISS
goal answered-maxwait $v "poolserve --listen $LISTEN --max-wait $MAXWAIT," \
    "clients not held (-w 0): $maxwait_split (same goal)"
if [ $sysctl_run = yes ]; then
	goal answered-synq INFO "poolserve --listen $LISTEN with" \
	    "net.ipv4.tcp_max_syn_backlog $BIG (the SYN queue alone" \
	    "raised): $synq_split"
	v=PASS
	[ "$sysctl_bad" -eq 0 ] && [ "$sysctl_crashed" = no ] || v=MISS
	goal answered-sysctl $v "poolserve --listen $BIG with" \
	    "net.core.somaxconn and tcp_max_syn_backlog $BIG: $sysctl_split" \
	    "(same goal)"
fi

note "Every connection is opened at once and those up within $HOLD s" \
    "stay silent until then (c10k_client.py -w), so that a server that" \
    "gives each accepted connection a thread holds them all.  poolserve" \
    "accepts only what its threads can take within --request-grace and" \
    "keeps the others in the listen backlog" \
    "(--listen $LISTEN, net.core.somaxconn $SOMAXCONN); SYNs beyond the" \
    "backlog are dropped by the kernel and retried by the client's kernel" \
    "(1, 3, 7, 15 ... s), so late connections see a long connect time," \
    "not an error.  req/s: answered over the client's elapsed time." \
    "errors: reset, closed without an answer, local errors, timed out" \
    "after $TIMEOUT s and non-200/503 answers.  threads: lowest–highest" \
    "total over the master and workers, sampled every 0.2 s.  ratio:" \
    "answered over poolserve's."
if [ -s "$TMP/werkzeug.errlines" ] || [ -s "$TMP/werkzeug1024.errlines" ]; then
	{
		echo "werkzeug's log, first lines about errors" \
		    "($werkzeug_errlines lines with the limit raised," \
		    "$werkzeug1024_errlines with ulimit -n 1024):"
		echo
		echo '```'
		cut -c 1-160 "$TMP/werkzeug.errlines" "$TMP/werkzeug1024.errlines"
		echo '```'
		echo
	} >>"$TMP/notes"
fi
note "Where the resets come from, by the kernel's counters (nstat deltas" \
    "of each run; $NETNS_NOTE): at the defaults $poolserve_kern;" \
    "not held, $nohold_kern; with --max-wait $MAXWAIT, $maxwait_kern" \
    "${synq_kern:+; with tcp_max_syn_backlog $BIG, $synq_kern}" \
    "${sysctl_kern:+; with the backlog and sysctls at $BIG, $sysctl_kern}." \
    "10,000 SYNs at once overflow" \
    "the accept queue (ListenOverflows = ListenDrops: final ACKs of" \
    "handshakes dropped, SYN-ACKs sent again, TCPSynRetrans); SYN" \
    "cookies show in SyncookiesSent when the SYN queue overflows too." \
    "The client's side of a connection whose final ACK was dropped is" \
    "up, the server's is not; a request sent on it after the kernel gave" \
    "up on the half-open connection is answered with a reset.  Which" \
    "run has resets changes from run to run (resets this run: held" \
    "$poolserve_reset, not held $nohold_reset); every" \
    "run whose accept queue stayed full has the overflows.  The cure is" \
    "to keep the accept queue from staying full:" \
    "--max-wait answers the clients that waited too long with a 503" \
    "without a thread, so the queue drains at the rate 503s are written," \
    "not at P x T / 0.1 s; or a backlog (and net.core.somaxconn," \
    "tcp_max_syn_backlog) as large as the clients that come at once."
note "werkzeug peaks at $werkzeug_peak threads (ulimit -n $hard) and" \
    "$werkzeug1024_peak (ulimit -n 1024), poolserve stays at" \
    "$poolserve_peak.  The plot shows the thread count over the run."

# The plot: thread count over time, one line per run (the samples are
# 0.2 s apart).  bench_finish keeps $TMP/plot.png.
if command -v gnuplot >/dev/null 2>&1; then
	for n in poolserve maxwait werkzeug werkzeug1024; do
		awk '{ print (NR - 1) * 0.2, $1 }' "$TMP/$n.threads" >"$TMP/$n.dat"
	done
	cat >"$TMP/c10k.gp" <<-EOF
	set terminal png size 900,500
	set output '$TMP/plot.png'
	set title "c10k: threads of the server while $CONNS connections come in ($DAY)"
	set xlabel 'seconds'
	set ylabel 'threads (master + workers)'
	set logscale y
	set grid
	plot '$TMP/poolserve.dat' with lines lw 2 title 'poolserve 4x10', \
	    '$TMP/maxwait.dat' with lines lw 2 title 'poolserve 4x10 --max-wait $MAXWAIT', \
	    '$TMP/werkzeug.dat' with lines lw 2 title 'werkzeug threaded', \
	    '$TMP/werkzeug1024.dat' with lines lw 2 title 'werkzeug threaded, ulimit -n 1024'
	EOF
	gnuplot "$TMP/c10k.gp" 2>&1 | sed 's/^/# gnuplot: /' >&2 || true
fi

bench_finish
