#!/usr/bin/env bash
# bench/suites/static.sh: static files over loopback, keep-alive (wrk -t2
# -c50), a 1 KiB and a 1 MiB file, poolserve --static-map with 1 process x
# 10 threads against nginx with 1 worker and sendfile on (the reference)
# serving the same directory; then fairness among 50 keep-alive
# connections (fairclient.c) on a static index.html with 2 threads.
# Run it with bench/run static; see bench/README.md.  About 90 s with the
# defaults (-d 5 -r 3).
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init static "static: poolserve --static-map vs nginx sendfile"
need wrk:wrk /usr/sbin/nginx:nginx-light cc:gcc
REFERENCE="nginx 1.22, worker_processes 1, sendfile on, same run"
SETUP="wrk -t2 -c50 -d${DURATION}s --latency, keep-alive, $REPEATS runs per figure, interleaved."
PLOT_WHAT=rps
GOAL=0.9		# poolserve/nginx req/s, both sizes
FAIR_SECS=3
FAIR_GOAL=0.5

"${CC:-cc}" -O2 -o "$TMP/fairclient" "$BENCH_DIR/fairclient.c" ||
    die "cannot compile $BENCH_DIR/fairclient.c"

# The directory both serve.  index.html answers GET / with the 14 bytes
# ("Hello, world!" and a newline) that wait_ready and fairclient expect.
WWW=$TMP/www
mkdir -p "$WWW" || die "cannot make $WWW"
printf 'Hello, world!\n' >"$WWW/index.html"
head -c 1024 /dev/urandom >"$WWW/1k.bin"
head -c 1048576 /dev/urandom >"$WWW/1m.bin"

# start_nginx_static: nginx, 1 worker, serving $WWW at /, sendfile on, no
# access log, no open file cache (poolserve opens each file per request
# too), keep-alive connections never closed by nginx itself.
start_nginx_static() {
	local dir user=""
	dir=$TMP/nginx.$RANDOM
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	SRV_PORT=$(free_port)
	cat >"$dir/nginx.conf" <<-EOF
	$user
	worker_processes 1;
	daemon off;
	master_process on;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events { worker_connections 4096; }
	http {
		include /etc/nginx/mime.types;
		default_type application/octet-stream;
		access_log off;
		sendfile on;
		tcp_nopush on;
		keepalive_requests 1000000;
		keepalive_timeout 65;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
		server {
			listen 127.0.0.1:$SRV_PORT;
			root $WWW;
			index index.html;
		}
	}
	EOF
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
	    >/dev/null 2>>"$dir/error.log" &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "nginx, 1 worker, sendfile on" "$SRV_PID" "$SRV_PORT" 1 \
	    "$dir/error.log"
}

# same_file PORT PATH FILE: the server sends exactly FILE.
same_file() {
	curl -s --max-time 10 -o "$TMP/check" "http://127.0.0.1:$1$2" &&
	    cmp -s "$TMP/check" "$3" ||
	    die "port $1 $2: not the file $3"
}

declare -A PORT PID
start_poolserve --processes 1 --threads 10 --static-map "/=$WWW"
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
start_nginx_static
PORT[nginx]=$SRV_PORT PID[nginx]=$SRV_PID
SERVERS_ORDER=(poolserve nginx)
declare -A LABEL=([poolserve]="poolserve --static-map, 1 x 10 threads"
    [nginx]="nginx, 1 worker, sendfile")

for srv in "${SERVERS_ORDER[@]}"; do
	for f in 1k.bin 1m.bin; do
		same_file "${PORT[$srv]}" "/$f" "$WWW/$f"
	done
	wrk_run 1 "${PORT[$srv]}" /1k.bin >/dev/null	# warm-up
done

# Interleaved: every repeat measures every server once, in a rotating
# order, so that a drift of the machine's speed favours none.
for size in 1k 1m; do
	rounds $size "/$size.bin"
done

declare -A MEM
for srv in "${SERVERS_ORDER[@]}"; do
	MEM[$srv]=$(mem "${PID[$srv]}")
done

declare -A MED
for size in 1k 1m; do
	label="1 KiB file"
	[ $size = 1m ] && label="1 MiB file"
	for srv in nginx poolserve; do
		read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$size.$srv")
		MED[$size,$srv]=$m
		read -r rss pss _ <<<"${MEM[$srv]}"
		ratio=$(calc "$m / ${MED[$size,nginx]}" %.2f)
		note=""
		[ $size = 1m ] && note="$(calc "$m * 1048576 * 8 / 1e9" %.1f) Gbit/s"
		row "$label" "${LABEL[$srv]}" "$m" "$lo" "$hi" "$p50" "$p99" \
		    "$err" "$rss" "$pss" "$ratio" "$note"
	done
	r=$(calc "${MED[$size,poolserve]} / ${MED[$size,nginx]}" %.2f)
	v=MISS
	ge "$r" "$GOAL" && v=PASS
	goal "$size" $v "$label: poolserve ${r}x nginx (goal >= ${GOAL}x)"
done
note "Both serve the same directory; each request opens and fstat()s the" \
    "file (nginx has no open_file_cache here).  nginx sends both files" \
    "with sendfile(2).  poolserve answers static files on its event loop" \
    "as nginx does, without a pool thread: libmicrohttpd sends the 1 MiB" \
    "file with sendfile(2), the 1 KiB one (16 KiB or less) is read and" \
    "sent in memory.  RSS and PSS: summed over the master and its" \
    "workers after the load.  errors: wrk's socket errors and non-2xx" \
    "answers, all runs."

# --- fairness: 50 keep-alive connections, 2 threads ---------------------------
# fairclient asks for GET /: both answer it with index.html (14 bytes).
stop "${PID[poolserve]}"
start_poolserve --processes 1 --threads 2 --static-map "/=$WWW"
PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
declare -A FAIR
fairness poolserve nginx
note "Fairness: 50 keep-alive connections for $FAIR_SECS s, one request" \
    "outstanding on each (bench/fairclient.c, GET / = index.html through" \
    "--static-map); min/max of the responses per connection (1: all" \
    "served alike; 0: some got nothing), median (min–max) of $REPEATS" \
    "runs.  poolserve --threads 2: ${FAIR[poolserve]}.  nginx, 1 worker:" \
    "${FAIR[nginx]}."
v=MISS
ge "${FAIR[poolserve,m]}" "$FAIR_GOAL" && v=PASS
goal fairness $v "poolserve min/max ${FAIR[poolserve,m]} with 50 clients" \
    "on 2 threads (goal >= $FAIR_GOAL)"
stop "${PID[poolserve]}"
stop "${PID[nginx]}"

bench_finish
