#!/usr/bin/env bash
# bench/suites/memory.sh: the memory of the master and its workers for the
# shapes 1x10, 4x10 and 4x100 (processes x threads): poolserve against
# uWSGI and gunicorn (gthread) running the Flask lab app with the same
# shape.  Measured after a warm-up that has every thread run a request,
# so that every thread's stack and every worker's heap have been touched.
# The reference is poolserve with the same shape.  Run it with bench/run
# memory.
#
# RSS summed over the processes counts the pages they share (the
# libraries, the copy-on-write image of the master) once per process, so
# it overstates what the machine loses; PSS (from /proc/PID/smaps_rollup)
# divides each shared page among its users and adds up to the real cost.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init memory "memory: RSS and PSS by shape, after warm-up"
need hey:hey uwsgi:uwsgi deb:uwsgi-plugin-python3 \
    /usr/bin/gunicorn:gunicorn py:flask:python3-flask
REFERENCE="poolserve with the same shape"
SETUP="Warm-up: hey -n 2000 -c 50 on GET /, then 2xPxT requests of /sleep/0.2 from PxT clients (every thread busy at once); one measurement per shape."
PLOT_WHAT=rss

# warm PORT P T: the warm-up load.
warm() {
	hey_run 2000 50 / "$1" >/dev/null
	hey_run $((2 * $2 * $3)) $(($2 * $3)) /sleep/0.2 "$1" >/dev/null
}

for shape in 1x10 4x10 4x100; do
	p=${shape%x*} t=${shape#*x}
	for srv in poolserve uwsgi gunicorn; do
		case $srv in
		poolserve)
			start_poolserve --processes "$p" --threads "$t"
			label="poolserve" ;;
		uwsgi)
			start_uwsgi "$p" "$t"
			label="uWSGI, Flask" ;;
		gunicorn)
			start_gunicorn gthread "$p" "$t"
			label="gunicorn -k gthread, Flask" ;;
		esac
		warm "$SRV_PORT" "$p" "$t"
		sleep 0.5
		read -r rss pss thr nproc < <(mem "$SRV_PID")
		[ $srv = poolserve ] && ref=$rss
		row "$shape" "$label" - - - - - - "$rss" "$pss" \
		    "$(calc "$rss / $ref" %.2f)" \
		    "$nproc processes, $thr threads"
		[ "$shape,$srv" = 4x10,poolserve ] && rss410=$rss
		say "$shape $srv: RSS $rss kB, PSS $pss kB, $nproc processes," \
		    "$thr threads"
		stop "$SRV_PID"
	done
done
v=MISS
[ "$rss410" -le 12288 ] && v=PASS
goal rss $v "poolserve 4x10 RSS total $(calc "$rss410 / 1024" %.1f) MB" \
    "(goal <= 12 MB)"
note "RSS total and PSS total: summed over the master and its workers," \
    "from /proc/PID/status (VmRSS) and /proc/PID/smaps_rollup (Pss)." \
    "ratio: RSS total over poolserve's with the same shape.  uWSGI runs" \
    "with --master (one process more than its workers), as gunicorn's" \
    "arbiter and poolserve's master."

bench_finish
