#!/usr/bin/env bash
# bench/suites/module.sh: GET / answered by a C handler module
# (examples/hello.c, loaded with --module) through poolserve's pool,
# against nginx's "return 200" (the reference) and poolserve's built-in
# lab route, keep-alive and one connection per request (wrk -t2 -c50),
# all in the same run.  What a module costs over the built-in route is
# the dlopen'd call and the public API's response path.  Run it with
# bench/run module; see bench/README.md.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init module "module: a C handler module vs nginx return 200"
need wrk:wrk /usr/sbin/nginx:nginx-light cc:gcc
REFERENCE="nginx 1.22, worker_processes 1, same run"
SETUP="wrk -t2 -c50 -d${DURATION}s --latency on GET /, $REPEATS runs per figure, interleaved."
PLOT_WHAT=rps
declare -A GOAL=([keep-alive]=0.75 [close]=1.0)	# module/nginx req/s

# The example module as a user builds it (poolserve_module(3)), -O2, its
# greeting the one nginx and the lab answer ("Hello, world!" and a
# newline, 14 bytes), which start_poolserve waits for.
"${CC:-cc}" -std=c99 -O2 -fPIC -shared -I"$TOP/include" \
    -DHELLO_TEXT='"Hello, world!"' -o "$TMP/hello.so" \
    "$TOP/examples/hello.c" || die "cannot compile $TOP/examples/hello.c"

declare -A PORT PID
start_poolserve --processes 1 --threads 10 --module "$TMP/hello.so"
PORT[module]=$SRV_PORT PID[module]=$SRV_PID
start_nginx 1
PORT[nginx]=$SRV_PORT PID[nginx]=$SRV_PID
start_poolserve --processes 1 --threads 10
PORT[lab]=$SRV_PORT PID[lab]=$SRV_PID
SERVERS_ORDER=(module nginx lab)
declare -A LABEL=([module]="poolserve --module hello.so, 1 x 10 threads"
    [nginx]="nginx, 1 worker"
    [lab]="poolserve built-in lab /, 1 x 10 threads")

for srv in "${SERVERS_ORDER[@]}"; do
	wrk_run 1 "${PORT[$srv]}" / >/dev/null		# warm-up, not counted
done

# Interleaved, in a rotating order, so that a drift of the machine's
# speed favours no server.
for cfg in keep-alive close; do
	opt=()
	[ $cfg = close ] && opt=(-H "Connection: close")
	rounds $cfg / "${opt[@]}"
done

declare -A MEM MED
for srv in "${SERVERS_ORDER[@]}"; do
	MEM[$srv]=$(mem "${PID[$srv]}")
done
for cfg in keep-alive close; do
	for srv in nginx module lab; do
		read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$cfg.$srv")
		MED[$cfg,$srv]=$m
		read -r rss pss _ <<<"${MEM[$srv]}"
		label=$cfg
		[ $cfg = close ] && label="Connection: close"
		row "$label" "${LABEL[$srv]}" "$m" "$lo" "$hi" "$p50" "$p99" \
		    "$err" "$rss" "$pss" \
		    "$(calc "$m / ${MED[$cfg,nginx]}" %.2f)" ""
	done
	r=$(calc "${MED[$cfg,module]} / ${MED[$cfg,nginx]}" %.2f)
	v=MISS
	ge "$r" "${GOAL[$cfg]}" && v=PASS
	goal "$cfg" $v "module ${r}x nginx (goal >= ${GOAL[$cfg]}x)"
	r=$(calc "${MED[$cfg,module]} / ${MED[$cfg,lab]}" %.2f)
	goal "$cfg-vs-lab" INFO "module ${r}x the built-in lab route"
done
note "The module is examples/hello.c built with -O2 and" \
    "-DHELLO_TEXT='\"Hello, world!\"'; its / answers with" \
    "poolserve_body_static.  RSS and PSS: summed over the master and its" \
    "workers after the load.  errors: wrk's socket errors and non-2xx" \
    "answers, all runs."
stop "${PID[lab]}"
stop "${PID[module]}"
bench_finish
