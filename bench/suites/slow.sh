#!/usr/bin/env bash
# bench/suites/slow.sh: slow clients (slowhttptest: slowloris, slow POST
# body, slow read) against
#   poolserve --processes 1 --threads 10 at its defaults (--request-grace 50),
#   poolserve --request-grace 1000 (the default before, for comparison),
#   nginx, 1 worker (its compiled-in timeouts; the reference),
#   uWSGI --master --http-socket, 1 process x 10 threads, a tiny WSGI app,
# while a probe opens a fresh connection and sends GET / every second and
# records how long the answer took.  Per attack and server: the share of
# probes answered within 1 s, the slowest probe, and the seconds the
# server was unavailable (probes that failed or took more than 10 s).
#
# The slow read fetches an 8 MiB file (--static-map on poolserve and
# uWSGI, a location on nginx), larger than the socket buffers
# (net.ipv4.tcp_wmem's maximum is 4 MiB by default), so that the server's
# writes really block.
#
# One run per attack and server, each against a freshly started server;
# each attack lasts 6 x BENCH_DURATION seconds, at least 10 (30 s at the
# defaults, 12 s with bench/run -d 2), BENCH_SLOW_SECONDS overrides it;
# BENCH_REPEATS does not apply.  About 9 minutes at the defaults.
# BENCH_SLOW_CONNS (1000) sets slowhttptest -c; BENCH_SLOW_LOGS=DIR keeps
# the servers' logs, slowhttptest's CSVs and the probes there.
# Run it with bench/run slow.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init slow "slow: slowloris, slow body and slow read (slowhttptest) against poolserve, nginx and uWSGI"
need slowhttptest:slowhttptest curl:curl /usr/sbin/nginx:nginx-light \
    uwsgi:uwsgi deb:uwsgi-plugin-python3

CONNS=${BENCH_SLOW_CONNS:-1000}
ATTACK=${BENCH_SLOW_SECONDS:-$((DURATION * 6))}
[ "$ATTACK" -ge 10 ] || ATTACK=10
RATE=200		# slowhttptest -r: new connections per second
PROBE_MAX=20		# curl -m: a probe gives up after this
SLOW_PROBE=1		# seconds: a probe answered within this is "< 1 s"
DOWN_PROBE=10		# seconds: slower than this (or failed) is "unavailable"
GOAL_PCT=100		# poolserve defaults: % of probes < 1 s (nginx's figure)
FILE_MB=8
LOGS=${BENCH_SLOW_LOGS:-}
REFERENCE="nginx 1.22, worker_processes 1, same run"
SETUP="slowhttptest -c $CONNS -r $RATE -l $ATTACK per attack, each against a freshly started server; probe: a new connection and GET / every second during the attack (curl -m $PROBE_MAX)."
PLOT_WHAT=

# slowhttptest holds CONNS descriptors, and a server holds one per
# connection plus, in the slow read, one per open file: raise the soft
# limit to the hard one (the servers inherit it), or skip.
hard=$(ulimit -Hn)
need_fds=$((2 * CONNS + 500))
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need_fds" ]; then
	echo "bench/slow: ulimit -Hn is $hard, $need_fds needed" >&2
	exit 77
fi
ulimit -S -n "$hard"

# The slow read's file, and the tiny WSGI app for uWSGI: "Hello, world!"
# at every path, after reading the request body as an application would.
WWW=$TMP/www
mkdir -p "$WWW"
head -c $((FILE_MB * 1048576)) /dev/zero >"$WWW/big.bin" ||
    die "cannot write $WWW/big.bin"
BIG=/s/big.bin
cat >"$TMP/hello_app.py" <<'EOF'
def application(environ, start_response):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    if n > 0:
        environ["wsgi.input"].read(n)
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "14")])
    return [b"Hello, world!\n"]
EOF

# --- servers ------------------------------------------------------------------
# Each start_* sets SRV_PID, SRV_PORT and SRV_LOG (the server's error log).

start_ps() {
	start_poolserve --processes 1 --threads 10 --mount /=lab \
	    --static-map "/s=$WWW" "$@"
	# start_poolserve's log: the newest poolserve.*.log in $TMP.
	SRV_LOG=$(ls -t "$TMP"/poolserve.*.log | head -n 1)
}

# nginx, 1 worker, as the current user under a temporary prefix: "/"
# answers "Hello, world!", /s/ the files of $WWW; /echo reads the whole
# request body (proxy_request_buffering, on by default) and passes the
# request to "/", as nginx does in front of an application (a bare
# "return 200" would answer without waiting for the body).  Debian's nginx.conf
# settings that matter here (sendfile on, tcp_nopush on, keepalive_timeout
# 65) and nginx's compiled-in timeouts (client_header_timeout,
# client_body_timeout, send_timeout: 60 s); worker_connections 4096 as in
# the other suites (Debian's 768 would be below the attack's connections).
start_nginx_slow() {
	local dir user=""
	dir=$TMP/nginx.$RANDOM
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	SRV_PORT=$(free_port)
	SRV_LOG=$dir/error.log
	cat >"$dir/nginx.conf" <<-EOF
	$user
	worker_processes 1;
	daemon off;
	master_process on;
	pid $dir/nginx.pid;
	error_log $dir/error.log info;
	events { worker_connections 4096; }
	http {
		access_log off;
		default_type text/plain;
		sendfile on;
		tcp_nopush on;
		keepalive_timeout 65;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
		server {
			listen 127.0.0.1:$SRV_PORT;
			location = / { return 200 "Hello, world!\n"; }
			location = /echo { proxy_pass http://127.0.0.1:$SRV_PORT/; }
			location /s/ { alias $WWW/; }
		}
	}
	EOF
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
	    >/dev/null 2>>"$dir/error.log" &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "nginx, 1 worker" "$SRV_PID" "$SRV_PORT" 1 "$dir/error.log"
}

# uWSGI with the master, 1 process x 10 threads, --http-socket, the
# backlog of the other suites (128), its other defaults (socket-timeout 4).
start_uwsgi_slow() {
	SRV_LOG=$TMP/uwsgi.$RANDOM.log
	SRV_PORT=$(free_port)
	uwsgi --plugin python3 --http-socket "127.0.0.1:$SRV_PORT" --master \
	    --die-on-term --processes 1 --threads 10 --listen 128 \
	    --disable-logging --wsgi-file "$TMP/hello_app.py" \
	    --static-map "/s=$WWW" >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "uWSGI 1 process x 10 threads" "$SRV_PID" "$SRV_PORT" 1 \
	    "$SRV_LOG"
}

# stop_srv NAME: uWSGI is stopped with SIGINT (its master's "kill now"),
# the others with lib.sh's stop (TERM, then KILL after 5 s).
stop_srv() {
	local i
	if [ "$1" = uwsgi ] && kill -0 "$SRV_PID" 2>/dev/null; then
		kill -INT "$SRV_PID" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
	fi
	stop "$SRV_PID"
}

SERVERS_ORDER=(poolserve before nginx uwsgi)
declare -A LABEL=(
    [poolserve]="poolserve 1x10, defaults (--request-grace 50)"
    [before]="poolserve 1x10 --request-grace 1000 (the old default)"
    [nginx]="nginx, 1 worker"
    [uwsgi]="uWSGI --master, 1 process x 10 threads")
declare -A SHORT=([poolserve]="poolserve defaults"
    [before]="poolserve --request-grace 1000" [nginx]=nginx [uwsgi]=uWSGI)

start_srv() {
	case $1 in
	poolserve) start_ps ;;
	before) start_ps --request-grace 1000 ;;
	nginx) start_nginx_slow ;;
	uwsgi) start_uwsgi_slow ;;
	esac
}

ATTACKS=(slowloris body read)
declare -A ATTACK_LABEL=(
    [slowloris]="slowloris (-H -i 10)"
    [body]="slow POST body to /echo (-B -i 10 -s 8192)"
    [read]="slow read of $FILE_MB MiB (-X -w 512 -y 1024 -n 5 -z 32)")
attack_opts() {
	case $1 in
	slowloris) echo "-H -i 10 -u http://127.0.0.1:$2/" ;;
	body) echo "-B -i 10 -s 8192 -u http://127.0.0.1:$2/echo" ;;
	read) echo "-X -w 512 -y 1024 -n 5 -z 32 -k 1 -u http://127.0.0.1:$2$BIG" ;;
	esac
}

# --- the probe ------------------------------------------------------------------

# probe PORT OUT SECONDS: every second for SECONDS, a curl (a new
# connection) GET / in the background, "second http_code seconds" into
# OUT; then waits for the last ones (each at most PROBE_MAX s).
probe() {
	local port=$1 out=$2 secs=$3 i=0 t0 next now
	t0=$(date +%s%N)
	while [ "$i" -lt "$secs" ]; do
		(
			r=$(curl -s -o /dev/null -m "$PROBE_MAX" \
			    -w '%{http_code} %{time_total}' \
			    "http://127.0.0.1:$port/" 2>/dev/null) || true
			echo "$i ${r:-000 $PROBE_MAX}" >>"$out"
		) &
		i=$((i + 1))
		next=$((t0 + i * 1000000000))
		now=$(date +%s%N)
		[ "$now" -lt "$next" ] &&
		    sleep "$(calc "($next - $now) / 1e9" %.3f)"
	done
	wait
}

# recovered PORT: wait (30 s at most) until GET / answers within 1 s.
recovered() {
	local i t
	for i in $(seq 1 30); do
		t=$(curl -s -o /dev/null -m 1 -w '%{http_code}' \
		    "http://127.0.0.1:$1/" 2>/dev/null) || true
		[ "$t" = 200 ] && return 0
		sleep 1
	done
	return 1
}

# --- the runs --------------------------------------------------------------------

declare -A PCT MAXS DOWN
for atk in "${ATTACKS[@]}"; do
	for srv in "${SERVERS_ORDER[@]}"; do
		name=$atk.$srv
		start_srv "$srv"
		port=$SRV_PORT
		: >"$TMP/$name.probes"
		# shellcheck disable=SC2046
		timeout $((ATTACK + 60)) slowhttptest $(attack_opts "$atk" "$port") \
		    -c "$CONNS" -r "$RATE" -l "$ATTACK" -p 10 -g \
		    -o "$TMP/$name.sht" >"$TMP/$name.sht.out" 2>&1 &
		sht=$!
		sleep 0.5	# the attack starts first
		probe "$port" "$TMP/$name.probes" "$ATTACK" &
		prober=$!
		# The server's memory near the attack's end, all connections open.
		sleep $((ATTACK - 2))
		read -r rss pss _ < <(mem "$SRV_PID")
		wait "$sht" || say "$name: slowhttptest exited $?" \
		    "($(tail -n 3 "$TMP/$name.sht.out" | tr -d '\r' | tr '\n' ' '))"
		wait "$prober" || true
		ok=yes
		recovered "$port" || ok=no
		alive=yes
		kill -0 "$SRV_PID" 2>/dev/null || alive=no
		stop_srv "$srv"
		# The probes: % within 1 s, p50, slowest, failed or > 10 s.
		read -r n fast down pmax < <(awk -v s="$SLOW_PROBE" \
		    -v d="$DOWN_PROBE" -v m="$PROBE_MAX" '
		    { t = $3 + 0; if (t > m) t = m
		      n++
		      if ($2 == "200" && t < s) fast++
		      if ($2 != "200" || t > d) down++
		      if (t > max) max = t }
		    END { print n + 0, fast + 0, down + 0, max * 1000 }' \
		    "$TMP/$name.probes")
		read -r p50 _ _ < <(awk '{ print $3 * 1000 }' \
		    "$TMP/$name.probes" | stats)
		pct=$(calc "$n ? 100 * $fast / $n : 0" %.0f)
		# slowhttptest's CSV: seconds,closed,pending,connected,available.
		read -r peak last < <(awk -F, 'NR > 1 && $4 ~ /^[0-9]+$/ {
		    if ($4 > p) p = $4; l = $4 } END { print p + 0, l + 0 }' \
		    "$TMP/$name.sht.csv" 2>/dev/null || echo "0 0")
		logn=$(grep -c . "$SRV_LOG" 2>/dev/null || true)
		# How slowhttptest's run ended ("Hit test time limit", or "No
		# open connections left" when the server answered or closed
		# them all).
		ended=$(tr '\r' '\n' <"$TMP/$name.sht.out" |
		    sed 's/\x1b\[[0-9;]*m//g' | awk '
		    /^Test ended on/ { s = $4 }
		    /^Exit status:/ { sub(/^Exit status: */, ""); e = $0 }
		    END { print s " second, " e }')
		PCT[$atk,$srv]=$pct MAXS[$atk,$srv]=$pmax DOWN[$atk,$srv]=$down
		failed=$(awk '$2 != "200"' "$TMP/$name.probes" | wc -l)
		extra=""
		[ "$ok" = no ] && extra="$extra; not answering 30 s after the attack"
		[ "$alive" = no ] && extra="$extra; the server died"
		row "${ATTACK_LABEL[$atk]}" "${LABEL[$srv]}" - - - "$p50" "$pmax" \
		    "$down" "$rss" "$pss" - \
		    "probes < 1 s: $pct% ($fast of $n), failed $failed, slowest $(calc "$pmax / 1000" %.1f) s, unavailable $down s; attack connections open: at most $peak, $last at the end; slowhttptest ended on the $ended; server log: $logn lines$extra"
		say "$name: probes $n, < 1 s $pct%, slowest $(calc "$pmax / 1000" %.1f) s, unavailable $down s, connected max $peak end $last, log $logn lines"
		if [ -n "$LOGS" ]; then
			mkdir -p "$LOGS"
			cp "$SRV_LOG" "$LOGS/$name.log" 2>/dev/null || true
			cp "$TMP/$name.probes" "$LOGS/$name.probes"
			cp "$TMP/$name.sht.csv" "$LOGS/$name.sht.csv" 2>/dev/null || true
			tr '\r' '\n' <"$TMP/$name.sht.out" | tail -n 25 \
			    >"$LOGS/$name.sht.out" || true
		fi
		sleep 1
	done
done

# --- the report -------------------------------------------------------------------

# The side-by-side table of the issue: one line per attack, one column per
# server: % of probes < 1 s, and the slowest and the seconds unavailable
# where there were any.
cell() {
	local atk=$1 srv=$2 s
	s="${PCT[$atk,$srv]}% < 1 s"
	if [ "${DOWN[$atk,$srv]}" -gt 0 ]; then
		s="unavailable ${DOWN[$atk,$srv]} s, $s"
	fi
	if [ "${PCT[$atk,$srv]}" -lt 100 ]; then
		s="$s, max $(calc "${MAXS[$atk,$srv]} / 1000" %.1f) s"
	fi
	echo "$s"
}
{
	echo "| slowhttptest, $CONNS connections, ${ATTACK} s; probe = a fresh GET / each second | ${SHORT[poolserve]} | ${SHORT[before]} | ${SHORT[nginx]} | ${SHORT[uwsgi]} |"
	echo "|---|---|---|---|---|"
	for atk in "${ATTACKS[@]}"; do
		printf '| %s (-r %s) ' "${ATTACK_LABEL[$atk]}" "$RATE"
		for srv in "${SERVERS_ORDER[@]}"; do
			printf '| %s ' "$(cell "$atk" "$srv")"
		done
		echo "|"
	done
	echo
} >>"$TMP/notes"
note "The table above by attack and server: the probe's share of answers" \
    "within $SLOW_PROBE s; \"unavailable\": probes that failed or took more" \
    "than $DOWN_PROBE s (one probe a second, so seconds); \"max\": the slowest" \
    "probe (a probe gives up after $PROBE_MAX s)."
note "Columns of the first table: p50 is the probes' median latency and" \
    "p99 their slowest (about 1 probe a second: the p99 of so few is the" \
    "maximum); errors: the seconds unavailable; RSS and PSS: the server," \
    "master and workers, $((ATTACK - 2)) s into the attack, the attack's" \
    "connections open.  \"attack connections open\": slowhttptest's count" \
    "of its connections connected (at most, and at the end), from its CSV" \
    "(-g): a server that does not accept leaves them pending in the listen" \
    "backlog or in SYN retry.  \"server log\": lines in the server's error" \
    "log (poolserve with --disable-logging, nginx error_log at info level," \
    "uWSGI with --disable-logging)."
note "Each attack runs against a freshly started server.  The slow body" \
    "posts to /echo, where each server reads the whole body: poolserve's" \
    "lab route, nginx proxy_pass to its own / (nginx buffers the body" \
    "before it passes the request on), the WSGI app on uWSGI (every path)." \
    "The slow read fetches" \
    "$BIG, an $FILE_MB MiB file, poolserve --static-map /s=DIR, nginx" \
    "location /s/ { alias DIR/; } with sendfile, uWSGI --static-map" \
    "/s=DIR.  nginx runs with worker_connections 4096 (Debian's nginx.conf" \
    "has 768, fewer than the attack's connections)."

for atk in slowloris body; do
	v=MISS
	ge "${PCT[$atk,poolserve]}" "$GOAL_PCT" && v=PASS
	goal "$atk" $v "poolserve defaults: ${PCT[$atk,poolserve]}% of probes" \
	    "< 1 s, unavailable ${DOWN[$atk,poolserve]} s, slowest" \
	    "$(calc "${MAXS[$atk,poolserve]} / 1000" %.1f) s (goal" \
	    ">= $GOAL_PCT%; nginx ${PCT[$atk,nginx]}%, --request-grace 1000" \
	    "${PCT[$atk,before]}%, uWSGI ${PCT[$atk,uwsgi]}%)"
done
goal read INFO "poolserve defaults: ${PCT[read,poolserve]}% of probes" \
    "< 1 s, unavailable ${DOWN[read,poolserve]} s, slowest" \
    "$(calc "${MAXS[read,poolserve]} / 1000" %.1f) s (nginx" \
    "${PCT[read,nginx]}%, uWSGI ${PCT[read,uwsgi]}%; no goal)"

bench_finish
