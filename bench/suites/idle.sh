#!/usr/bin/env bash
# bench/suites/idle.sh: the memory of idle keep-alive connections.  5,000
# and 10,000 keep-alive connections, one GET / each, then idle
# (bench/suites/idle_client.py), against one worker of
#   poolserve --processes 1 --threads 10 (--max-header-size 16384, the
#     default, and 1024, the smallest it takes)
#   nginx, worker_processes 1 (the reference)
# The figure is the worker's VmRSS after, minus before, over the
# connections: what one idle connection costs in user space (the kernel's
# socket and epoll memory is not in RSS and is the same for both).  The
# connections are read after SETTLE seconds of silence, when poolserve
# has parked them (src/park.c); the -q rows open connections without a
# request.
#
# One run per figure; BENCH_DURATION and BENCH_REPEATS do not apply.
# About a minute.  Run it with bench/run idle.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init idle "idle: memory per idle keep-alive connection"
need nginx:nginx-light
SETTLE=8	# s idle before RSS is read: poolserve parks after 2-5 s
HOLD=$((SETTLE + 2))
COUNTS="5000 10000"
REFERENCE="nginx, 1 worker, same run"
SETUP="idle_client.py -n N -H $HOLD: N keep-alive connections (at most 500 handshakes in flight), GET / on each, answer read, then all idle; RSS of the one worker before the connections and after all have been idle for $SETTLE s."
PLOT_WHAT=

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 10200 ]; then
	echo "bench/idle: ulimit -Hn is $hard, 10200 needed" >&2
	exit 77
fi
ulimit -S -n "$hard"

# start_nginx_idle: nginx as lib.sh's start_nginx, with room for 10,000
# connections in its one worker.  SRV_PID, SRV_PORT.
start_nginx_idle() {
	local dir=$TMP/nginx.$RANDOM user=""
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	SRV_PORT=$(free_port)
	cat >"$dir/nginx.conf" <<-EOF
	$user
	worker_processes 1;
	worker_rlimit_nofile 20000;
	daemon off;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events { worker_connections 11000; }
	http {
		access_log off;
		default_type text/plain;
		keepalive_timeout 120;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
		server {
			listen 127.0.0.1:$SRV_PORT;
			location = / { return 200 "Hello, world!\n"; }
		}
	}
	EOF
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
	    >/dev/null 2>>"$dir/error.log" &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "nginx, 1 worker" "$SRV_PID" "$SRV_PORT" 1 "$dir/error.log"
}

# worker_rss: VmRSS (kB) of SRV_PID's one child.
worker_rss() {
	local w
	w=$(children "$SRV_PID" | tr -d ' \n')
	awk '/^VmRSS:/ { print $2 }' "/proc/$w/status"
}

# measure NAME N [CLIENT OPTIONS]: the client against SRV_PORT; sets PER (bytes per
# connection), RSS0, RSS1 (kB), HELD; keeps the worker's smaps.
measure() {
	local name=$1 n=$2 i w line
	shift 2
	for i in 1 2 3 4 5; do http_body "$SRV_PORT" / >/dev/null; done
	RSS0=$(worker_rss)
	rm -f "$TMP/ready"
	timeout 120 "$PY" "$BENCH_DIR/suites/idle_client.py" -n "$n" -H "$HOLD" \
	    -t 60 "$@" -s "$TMP/ready" "127.0.0.1:$SRV_PORT" >"$TMP/client.out" &
	local client=$!
	for i in $(seq 1 600); do
		[ -e "$TMP/ready" ] && break
		kill -0 "$client" 2>/dev/null || break
		sleep 0.1
	done
	sleep "$SETTLE"
	RSS1=$(worker_rss)
	w=$(children "$SRV_PID" | tr -d ' \n')
	cp "/proc/$w/smaps" "$TMP/smaps.$name.$n" 2>/dev/null || true
	wait "$client" || die "idle_client failed: $(cat "$TMP/client.out")"
	line=$(tr '\n' ' ' <"$TMP/client.out")
	say "$name, $n connections: $line; RSS $RSS0 -> $RSS1 kB"
	ANSWERED=$(sed -n 's/.*answered=\([0-9]*\).*/\1/p' "$TMP/client.out")
	HELD=$(sed -n 's/.*held=\([0-9]*\).*/\1/p' "$TMP/client.out")
	PER=$(( (RSS1 - RSS0) * 1024 / (ANSWERED > 0 ? ANSWERED : 1) ))
}

# heap_kb FILE: the Rss of [heap] and anonymous mappings in an smaps copy.
heap_kb() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { n = ($6 == "" ? "anon" : $6) }
	    /^Rss:/ && (n == "[heap]" || n == "anon") { s += $2 }
	    END { print s + 0 }' "$1"
}

declare -A PERC
for n in $COUNTS; do
	for cfg in nginx ps16k ps8k ps4k ps1k nginx-q ps16k-q; do
		copt=() what="idle keep-alive connections" verb=answered
		case $cfg in
		*-q) copt=(-q) what="connections opened, no request yet" verb=connected ;;
		esac
		case $cfg in
		nginx | nginx-q)
			start_nginx_idle
			label="nginx, 1 worker" ;;
		ps16k | ps16k-q)
			start_poolserve --processes 1 --threads 10 \
			    --max-connections 11000 --keepalive-timeout 120 \
			    --read-timeout 120
			label="poolserve 1x10 (--max-header-size 16384, the default)" ;;
		ps8k | ps4k | ps1k)
			mhs=${cfg#ps}; mhs=$(( ${mhs%k} * 1024 ))
			start_poolserve --processes 1 --threads 10 \
			    --max-connections 11000 --keepalive-timeout 120 \
			    --max-header-size "$mhs"
			label="poolserve 1x10 --max-header-size $mhs" ;;
		esac
		measure "$cfg" "$n" "${copt[@]}"
		PERC[$cfg,$n]=$PER
		ref=${PERC[nginx${copt:+-q},$n]}
		row "$n $what" "$label" - - - - - \
		    "$((n - ANSWERED))" "$RSS1" - \
		    "$(calc "$PER / ($ref > 0 ? $ref : 1)" %.1f)" \
		    "worker RSS $RSS0 -> $RSS1 kB: $PER bytes per connection; $verb $ANSWERED, still open after $HOLD s idle $HELD"
		stop "$SRV_PID"
	done
done

note "After $SETTLE s of silence poolserve has parked the idle connections" \
    "(src/park.c): libmicrohttpd let them go, with the memory pool it" \
    "keeps per connection (--max-header-size + 8192, cleared by" \
    "MHD_pool_reset after every request, so resident while it holds" \
    "the connection), and the worker holds each as a bare socket in its" \
    "own epoll set, the pool's pages given back (malloc_trim).  What" \
    "is left is the parked record and the heap around it; it no longer" \
    "depends on --max-header-size.  The worker's heap and anonymous" \
    "mappings at 10,000 connections (defaults): $(heap_kb "$TMP/smaps.ps16k.10000") kB."
note "Connections opened without a request (-q rows) are not parked (they" \
    "answered nothing): ${PERC[ps16k-q,10000]} bytes each (10,000; nginx" \
    "${PERC[nginx-q,10000]}): the pool is malloc'd at accept but only the" \
    "pages libmicrohttpd writes are touched."
note "The kernel's side (socket buffers, the epoll item, the file) is not" \
    "in RSS and is alike for both servers.  nginx keeps a connection" \
    "idle in its small connection structure and frees its read buffer" \
    "between requests (client_header_buffer_size 1k, large header" \
    "buffers 4 x 8k taken only when a header does not fit).  ratio:" \
    "bytes per connection over nginx's.  errors: connections not answered."

p=${PERC[ps16k,5000]} p2=${PERC[ps16k,10000]}
v=MISS
[ "$p" -le 4096 ] && [ "$p2" -le 4096 ] && v=PASS
goal idle-memory $v "poolserve at the defaults: $p bytes per idle" \
    "keep-alive connection (5,000), $p2 (10,000); nginx ${PERC[nginx,5000]}," \
    "${PERC[nginx,10000]} (goal <= 4096)"
goal idle-memory-header-size INFO "poolserve, 10,000 connections, bytes" \
    "per idle connection by --max-header-size: 16384 ${PERC[ps16k,10000]}," \
    "8192 ${PERC[ps8k,10000]}, 4096 ${PERC[ps4k,10000]}," \
    "1024 ${PERC[ps1k,10000]}; before the first request" \
    "${PERC[ps16k-q,10000]}"

bench_finish
