#!/usr/bin/env bash
# bench/suites/backoff.sh: more clients than the backlog and the threads
# can hold.  h2load --h1 -c 500 on GET /sleep/0.1 against 1 process x 10
# threads with a listen backlog of 128: 10 clients run, 129 wait in the
# accept queue, and the SYNs of the other 361 are dropped; their kernels
# send them again after 1, 3, 7, 15 ... s (SYN back-off), while the
# backlog runs empty and the threads idle.  The ideal server, 10 slots of
# exactly 0.1 s, does P*T/S = 100 req/s.
#
# Servers, all 1 x 10, one after the other:
#   poolserve --listen 128 (the default), 512 and 1024;
#   uWSGI --processes 1 --threads 10 --listen 128 and 512, Flask
#     (bench/apps/labapp.py), the server the seeds compare with;
#   nginx, 1 worker (listen backlog=128), proxy_pass to a poolserve 1 x 10
#     --listen 128: a front that accepts every connection at once.
# h2load keeps each client's connection (HTTP/1.1 keep-alive): only the
# first connect of each client can fall into the back-off.  uWSGI's
# --http-socket closes after each answer (with "Connection: close" added,
# so that h2load connects again), so its clients go through the backlog
# for every request.
#
# The figures: req/s (N over the time h2load took), mean and max time per
# request, the connect times, and the kernel's counters for the run (nstat
# deltas: ListenOverflows, ListenDrops, SYN retransmits), taken in a
# network namespace of the suite's own when run as root (bench/kernel.sh).
#
# Goal: the smallest --listen with poolserve >= 99% of the ideal (the
# backlog must hold clients - P*T = 490).  The default stays 128; the
# "listen queue full" warning names --listen and net.core.somaxconn.
# BENCH_REPEATS runs per figure, interleaved; BENCH_DURATION does not
# apply (N = 4 x 500 = 2000 requests, 20 s of ideal work; BENCH_BACKOFF_CLIENTS
# sets the clients, for a quick look).  About 3 minutes a
# repeat.  Run it with bench/run backoff.
set -eu
. "$(dirname "$0")/../lib.sh"
. "$BENCH_DIR/kernel.sh"

SUITE=backoff
need h2load:nghttp2-client uwsgi:uwsgi deb:uwsgi-plugin-python3 \
    py:flask:python3-flask nginx:nginx-light nstat:iproute2
in_netns "$@"
bench_init backoff "backoff: 500 clients on 1 x 10, /sleep/0.1, the listen backlog and SYN back-off"

P=1 T=10 S=0.1 C=${BENCH_BACKOFF_CLIENTS:-500} N=$((4 * ${BENCH_BACKOFF_CLIENTS:-500}))
IDEAL_RPS=$(calc "$P * $T / $S")	# 100
GOAL=0.99
REFERENCE="the ideal: $IDEAL_RPS req/s (P*T/S)"
SETUP="h2load --h1 -n $N -c $C on GET /sleep/$S (ideally $(calc "$N / $IDEAL_RPS") s), keep-alive, $REPEATS run(s) per figure, interleaved.  Kernel: $(sysctls)."
PLOT_WHAT=rps

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge 2000 ] ||
    { echo "bench/backoff: ulimit -Hn is $hard, 2000 needed" >&2; exit 77; }
ulimit -S -n "$hard"

# start_nginx_front PORT: nginx, 1 worker, listen backlog 128, proxying
# every request to 127.0.0.1:PORT.  SRV_PID, SRV_PORT.
start_nginx_front() {
	local up=$1 dir=$TMP/nginx.$RANDOM user=""
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	SRV_PORT=$(free_port)
	cat >"$dir/nginx.conf" <<-EOF
	$user
	worker_processes 1;
	worker_rlimit_nofile 4096;
	daemon off;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events { worker_connections 2048; }
	http {
		access_log off;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
		upstream pool { server 127.0.0.1:$up; keepalive 16; }
		server {
			listen 127.0.0.1:$SRV_PORT backlog=128;
			location / {
				proxy_pass http://pool;
				proxy_http_version 1.1;
				proxy_set_header Connection "";
				proxy_read_timeout 120s;
			}
		}
	}
	EOF
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
	    >/dev/null 2>>"$dir/error.log" &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "nginx, 1 worker, proxy to port $up" "$SRV_PID" \
	    "$SRV_PORT" 1 "$dir/error.log"
}

# sleep_h2load PORT: "req/s mean-ms max-ms errors connect-mean-ms
# connect-max-ms" of one bounded h2load run (errors: failed requests and
# non-2xx answers).
sleep_h2load() {
	local out=$TMP/h2load.out
	timeout 300 h2load --h1 -n $N -c $C -T 120 -N 120 \
	    "http://127.0.0.1:$1/sleep/$S" >"$out" 2>&1 ||
	    die "h2load failed against port $1: $(tail -n 5 "$out")"
	awk -v n=$N "$AWK_MS"'
	/^finished in/ { t = $3; sub(/,$/, "", t); t = ms(t) / 1000 }
	/^requests:/ { ok = $8 }
	/^status codes:/ { two = $3 }
	/^time for request:/ { rmax = ms($5); rmean = ms($6) }
	/^time for connect:/ { cmax = ms($5); cmean = ms($6) }
	END {
		if (t == "") exit 1
		printf "%.2f %.0f %.0f %d %.0f %.0f\n", n / t, rmean, rmax,
		    n - two, cmean, cmax
	}' "$out" || die "cannot read h2load's output: $(cat "$out")"
}

declare -A PORT LABEL
ORDER=(ps128 ps512 ps1024 uwsgi128 uwsgi512 nginx)
start_poolserve --processes $P --threads $T --listen 128
PORT[ps128]=$SRV_PORT LABEL[ps128]="poolserve 1x10 --listen 128 (the default)"
start_poolserve --processes $P --threads $T --listen 512
PORT[ps512]=$SRV_PORT LABEL[ps512]="poolserve 1x10 --listen 512"
start_poolserve --processes $P --threads $T --listen 1024
PORT[ps1024]=$SRV_PORT LABEL[ps1024]="poolserve 1x10 --listen 1024"
# --http-socket closes after each answer without saying so; the header
# lets h2load connect again (through the same backlog) instead of failing.
start_uwsgi $P $T --add-header "Connection: close"
PORT[uwsgi128]=$SRV_PORT LABEL[uwsgi128]="uWSGI 1x10 --listen 128, Flask"
start_uwsgi $P $T --add-header "Connection: close" --listen 512
PORT[uwsgi512]=$SRV_PORT LABEL[uwsgi512]="uWSGI 1x10 --listen 512, Flask"
start_poolserve --processes $P --threads $T --listen 128
up=$SRV_PORT
start_nginx_front "$up"
PORT[nginx]=$SRV_PORT
LABEL[nginx]="nginx 1 worker (backlog 128) -> poolserve 1x10 --listen 128"

for srv in "${ORDER[@]}"; do
	: >"$TMP/runs.$srv"
	: >"$TMP/nstat.$srv"
	hey_run 20 10 /sleep/0.01 "${PORT[$srv]}" >/dev/null	# warm-up
done
n=${#ORDER[@]}
for rep in $(seq 1 "$REPEATS"); do
	order=("${ORDER[@]:$((rep % n))}" "${ORDER[@]:0:$((rep % n))}")
	for srv in "${order[@]}"; do
		sleep 1		# the last run's connections gone
		nstat_snap "$TMP/ns0"
		r=$(sleep_h2load "${PORT[$srv]}")
		nstat_snap "$TMP/ns1"
		d=$(nstat_delta "$TMP/ns0" "$TMP/ns1")
		echo "$r" >>"$TMP/runs.$srv"
		echo "$d" >>"$TMP/nstat.$srv"
		say "$srv run $rep/$REPEATS: $r (req/s mean max errors" \
		    "connect-mean connect-max, ms); $d"
	done
done

declare -A PCT
for srv in "${ORDER[@]}"; do
	read -r m lo hi < <(awk '{ print $1 }' "$TMP/runs.$srv" | stats)
	read -r mean _ _ < <(awk '{ print $2 }' "$TMP/runs.$srv" | stats)
	read -r mx _ _ < <(awk '{ print $3 }' "$TMP/runs.$srv" | stats)
	read -r cmean _ _ < <(awk '{ print $5 }' "$TMP/runs.$srv" | stats)
	read -r cmax _ _ < <(awk '{ print $6 }' "$TMP/runs.$srv" | stats)
	err=$(awk '{ e += $4 } END { print e + 0 }' "$TMP/runs.$srv")
	PCT[$srv]=$(calc "$m / $IDEAL_RPS * 100" %.1f)
	row "$C clients, /sleep/$S, 1 x 10" "${LABEL[$srv]}" "$m" "$lo" "$hi" \
	    "$mean" "$mx" "$err" - - "$(calc "$m / $IDEAL_RPS" %.3f)" \
	    "${PCT[$srv]}% of ideal; p50/p99 columns: mean/max per request; connect mean $cmean ms, max $cmax ms; kernel, last run: $(tail -n 1 "$TMP/nstat.$srv")"
done

note "The p50 and p99 columns hold h2load's mean and max time per request" \
    "(medians over the runs).  With a backlog of 128 the kernel keeps 129" \
    "connections waiting for accept (the queue holds backlog + 1); the" \
    "SYNs of the others are dropped (ListenOverflows, ListenDrops) and" \
    "their kernels send them again after 1, 3, 7 and 15 s" \
    "(TCPSynRetrans): those clients arrive seconds later, while the" \
    "queue runs dry and threads idle.  A backlog of at least" \
    "clients - P x T = $((C - P * T)) keeps every client in the queue," \
    "first in first out.  --listen is capped by net.core.somaxconn" \
    "(listen(2) silently truncates), so raising it means raising both;" \
    "poolserve's \"listen queue full\" line says so.  Kernel counters:" \
    "$NETNS_NOTE."
note "The default stays 128: it is the backlog the seeds' write-ups" \
    "document and the figures the other suites compare, and a bigger queue does" \
    "not add capacity, it turns dropped SYNs into queued clients who" \
    "wait longer; a server that sheds early (--max-wait) wants them to" \
    "arrive, not to sit out a back-off.  Raise --listen to the number of" \
    "clients expected at once, or put a front that queues (HAProxy" \
    "maxconn, bench/cluster) before it."

best=
for srv in ps128 ps512 ps1024; do
	if [ -z "$best" ] && ge "${PCT[$srv]}" $(calc "$GOAL * 100"); then
		best=$srv
	fi
done
goal backoff-default INFO "poolserve --listen 128: ${PCT[ps128]}% of the" \
    "ideal $IDEAL_RPS req/s; uWSGI --listen 128: ${PCT[uwsgi128]}%;" \
    "nginx in front: ${PCT[nginx]}%"
if [ -n "$best" ]; then
	v=PASS what="${LABEL[$best]}: ${PCT[$best]}%"
else
	v=MISS what="none of poolserve --listen 128/512/1024 reached it"
fi
goal backoff-listen $v "$what (goal >= $(calc "$GOAL * 100")% of the" \
    "ideal with $C clients; --listen 512: ${PCT[ps512]}%, 1024:" \
    "${PCT[ps1024]}%)"

bench_finish
