#!/usr/bin/env bash
# bench/suites/tls.sh: HTTPS against nginx with the same ECDSA P-256
# certificate, TLS 1.3 only, the same cipher (TLS_AES_128_GCM_SHA256) and
# group (X25519), no session resumption on either side: full handshakes
# per second (wrk -H "Connection: close"), keep-alive "Hello, world!"
# through the pool over TLS and over plain HTTP (the TLS ratio to nginx
# against the HTTP one), resident memory per idle TLS connection, and a
# testssl.sh audit of poolserve's default --tls-priority.
#
# What each server negotiates (version, cipher, group, signature) is
# printed and checked, and so is the absence of resumption: openssl
# s_client's second connection with the first one's session, and
# $ssl_session_reused in a logging copy of nginx's HTTPS server under wrk
# itself (wrk 4.1 resumes whenever a server offers a ticket).  Beside the
# handshakes: libmicrohttpd and GnuTLS alone (bench/floor/floor.c over
# TLS), the floor under poolserve's figure; the handshakes once more with
# h2load, a client that does not poll, and against a poolserve with
# --queue 10, whose gate lets twice as many handshakes run at once (the
# notes say why both); and once more with an RSA 2048 certificate on all
# three, where nettle's RSA signature is the wall.
# Run it with bench/run tls; see bench/README.md.
set -eu
. "$(dirname "$0")/../lib.sh"

bench_init tls "tls: poolserve HTTPS vs nginx, same certificate and cipher"
need wrk:wrk h2load:nghttp2-client /usr/sbin/nginx:nginx-light openssl:openssl \
    testssl:testssl.sh cc:gcc pkg-config:pkg-config curl:curl
REFERENCE="nginx 1.22, worker_processes 1, same certificate and TLS 1.3 cipher, same run"
SETUP="wrk -t2 -c50 -d${DURATION}s --latency (and h2load --h1 -t2 -c50 -n $((DURATION * 1500)) for the handshakes), $REPEATS runs per figure, interleaved; TLS 1.3, TLS_AES_128_GCM_SHA256, X25519, ECDSA P-256 (and RSA 2048 for the last rows), no session cache or tickets on either server (checked, see below): every connection a full handshake."
PLOT_WHAT=rps
HS_GOAL=0.9		# poolserve/nginx full handshakes per second
KA_SLACK=0.9		# TLS keep-alive ratio >= this x the HTTP one
IDLE=400		# idle connections for the memory per connection

# --- the certificates, the servers ---------------------------------------------
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    2>/dev/null &&
openssl req -x509 -nodes -newkey rsa:2048 \
    -keyout "$TMP/rsa.key" -out "$TMP/rsa.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    2>/dev/null || die "openssl cannot make the certificates"
CERT=$TMP/cert.pem KEY=$TMP/key.pem	# RSA for the last rows
PRIO="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-X25519"
# shellcheck disable=SC2046
"${CC:-cc}" -O2 -o "$TMP/floor" "$BENCH_DIR/floor/floor.c" \
    $(pkg-config --cflags --libs libmicrohttpd) -lpthread ||
    die "cannot compile $BENCH_DIR/floor/floor.c"

# start_nginx_tls: start_nginx's server with an HTTPS one beside it.
start_nginx_tls() {
	local dir user=""
	dir=$TMP/nginx.tls
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	SRV_PORT=$(free_port)
	TLS_PORT=$(free_port)
	CHECK_PORT=$(free_port)
	cat >"$dir/nginx.conf" <<-EOF
	$user
	worker_processes 1;
	daemon off;
	master_process on;
	pid $dir/nginx.pid;
	error_log $dir/error.log warn;
	events { worker_connections 4096; }
	http {
		access_log off;
		default_type text/plain;
		keepalive_requests 1000000;
		keepalive_timeout 65;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
		ssl_certificate $CERT;
		ssl_certificate_key $KEY;
		ssl_protocols TLSv1.3;
		ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
		ssl_ecdh_curve X25519;
		ssl_session_cache off;
		ssl_session_tickets off;
		log_format tls '\$ssl_session_reused \$ssl_protocol \$ssl_cipher \$ssl_curve';
		server {
			listen 127.0.0.1:$SRV_PORT;
			listen 127.0.0.1:$TLS_PORT ssl;
			location = / { return 200 "Hello, world!\n"; }
		}
		server {	# the same, logging: the resumption check
			listen 127.0.0.1:$CHECK_PORT ssl;
			access_log $dir/tls.log tls;
			location = / { return 200 "Hello, world!\n"; }
		}
	}
	EOF
	/usr/sbin/nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
	    >/dev/null 2>>"$dir/error.log" &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "nginx, 1 worker, HTTPS" "$SRV_PID" "$SRV_PORT" 1 \
	    "$dir/error.log"
}

declare -A PORT TPORT PID
# newest_tls_port: the HTTPS port in the newest poolserve's log
newest_tls_port() {
	local p
	p=$(sed -n 's|.*https://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
	    "$(ls -t "$TMP"/poolserve.*.log | head -n 1)")
	[ -n "$p" ] || die "no HTTPS port in poolserve's log"
	echo "$p"
}
# start_both: a fresh poolserve and nginx
start_both() {
	start_poolserve --processes 1 --threads 10 --keepalive-timeout 65 \
	    --https "127.0.0.1:0,$CERT,$KEY" --tls-priority "$PRIO"
	PORT[poolserve]=$SRV_PORT PID[poolserve]=$SRV_PID
	TPORT[poolserve]=$(newest_tls_port)
	start_nginx_tls
	PORT[nginx]=$SRV_PORT TPORT[nginx]=$TLS_PORT PID[nginx]=$SRV_PID
}
# start_floor [NAME MODE [http]]: bench/floor/floor.c as NAME (default
# floor), answering on its loop (MODE direct, the default) or through the
# smallest hand-off (handoff), over HTTPS (TPORT[NAME]) or plain HTTP
# (PORT[NAME]).
start_floor() {
	local name=${1:-floor} mode=${2:-direct} log=$TMP/floor.${1:-floor}.log
	local port
	port=$(free_port)
	if [ "${3:-}" = http ]; then
		PORT[$name]=$port
		"$TMP/floor" "$mode" "$port" >"$log" 2>&1 &
	else
		TPORT[$name]=$port
		"$TMP/floor" "$mode" "$port" "$CERT" "$KEY" "$PRIO" \
		    >"$log" 2>&1 &
	fi
	PID[$name]=$!
	SERVERS+=("${PID[$name]}")
	for _ in $(seq 1 50); do
		if [ "${3:-}" = http ]; then
			curl -fs -o /dev/null "http://127.0.0.1:$port/" &&
			    return 0
		else
			[ "$(echo | timeout 5 openssl s_client -brief \
			    -connect "127.0.0.1:$port" 2>&1 |
			    grep -c '^Protocol version: TLSv1.3')" = 1 ] &&
			    return 0
		fi
		sleep 0.1
	done
	die "floor $mode ${3:-https} did not start: $(cat "$log")"
}
start_both
SERVERS_ORDER=(poolserve nginx)
declare -A LABEL=([poolserve]="poolserve --processes 1 --threads 10"
    [nginx]="nginx, 1 worker"
    [floor]="libmicrohttpd + GnuTLS alone (floor.c)"
    [wide]="poolserve --processes 1 --threads 10 --queue 10"
    [floorh]="libmicrohttpd + GnuTLS + the smallest hand-off (floor.c)"
    [floorp]="libmicrohttpd alone (floor.c)"
    [floorph]="libmicrohttpd + the smallest hand-off (floor.c)"
    [floorg]="libmicrohttpd + GnuTLS alone, its connection limit 10 (floor.c, FLOOR_LIMIT=10)")

# What each server negotiates with openssl s_client, and whether a second
# connection with the first one's session resumes it.
# negotiated PORT: "version cipher group signature full|resumed"
negotiated() {
	local sess=$TMP/sess.$1 v r
	v=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" \
	    -sess_out "$sess" 2>/dev/null | awk '
	/^New, / { ver = $2; sub(",", "", ver); cip = $NF }
	/^Server Temp Key:/ { grp = $4; sub(",", "", grp) }
	/^Peer signature type:/ { sig = $4 }
	END { print ver, cip, grp, sig }')
	r=full	# no session to offer again: no ticket came
	[ -s "$sess" ] && r=$(echo | timeout 10 openssl s_client -connect \
	    "127.0.0.1:$1" -sess_in "$sess" 2>/dev/null | awk '
	/^Reused, / { print "resumed"; exit }
	/^New, / { print "full"; exit }')
	echo "$v ${r:-?}"
}
start_floor
for srv in poolserve nginx floor; do
	v=$(negotiated "${TPORT[$srv]}")
	say "$srv: $v"
	[ "$v" = "TLSv1.3 TLS_AES_128_GCM_SHA256 X25519 ECDSA full" ] ||
	    die "$srv negotiates '$v', not TLSv1.3 TLS_AES_128_GCM_SHA256" \
	    "X25519 ECDSA without resumption"
done
NEGOTIATED=$v
# wrk itself, with a connection per request, on the logging copy
SCHEME=https wrk_run 1 "$CHECK_PORT" / -H "Connection: close" >/dev/null
read -r full reused < <(awk '$1 == "." { f++ } $1 == "r" { r++ }
    END { print f + 0, r + 0 }' "$TMP/nginx.tls/tls.log")
[ "$full" -gt 0 ] && [ "$reused" = 0 ] ||
    die "wrk against nginx: $full full handshakes, $reused resumed"
say "wrk -H 'Connection: close' against nginx: $full full handshakes, 0 resumed"

# tls_wrk SECONDS PORT [wrk options]: wrk_run's figures for https://
tls_wrk() {
	local secs=$1 port=$2
	shift 2
	SCHEME=https wrk_run "$secs" "$port" / "$@"
}

# --- memory per idle TLS connection ---------------------------------------------
# IDLE connections, each a full handshake and one keep-alive request,
# held open; the servers' RSS before and with them, on fresh servers.
idle_hold() {	# idle_hold PORT SCHEME READY-FILE GO-FILE
	timeout 120 "$PY" - "$@" <<-'EOF'
	import os, socket, ssl, sys, time
	port, scheme, ready, go = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
	ctx = ssl.create_default_context()
	ctx.check_hostname = False
	ctx.verify_mode = ssl.CERT_NONE
	conns = []
	for i in range(int(os.environ["IDLE"])):
	    s = socket.create_connection(("127.0.0.1", port), timeout=10)
	    if scheme == "https":
	        s = ctx.wrap_socket(s)
	    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	    got = b""
	    while not got.endswith(b"Hello, world!\n"):
	        d = s.recv(4096)
	        if not d:
	            sys.exit("closed")
	        got += d
	    conns.append(s)
	open(ready, "w").close()
	end = time.monotonic() + 60
	while not os.path.exists(go) and time.monotonic() < end:
	    time.sleep(0.05)
	EOF
}
export IDLE
# Each scheme on fresh servers, before any load: memory a process freed
# stays in its heap and would be counted as nothing the second time.
declare -A PERCONN
for scheme in https http; do
	if [ $scheme = http ]; then
		stop "${PID[nginx]}"
		stop "${PID[poolserve]}"
		start_both
	fi
	for srv in "${SERVERS_ORDER[@]}"; do
		port=${TPORT[$srv]}
		[ $scheme = http ] && port=${PORT[$srv]}
		rm -f "$TMP/ready" "$TMP/go"
		read -r before _ <<<"$(mem "${PID[$srv]}")"
		idle_hold "$port" $scheme "$TMP/ready" "$TMP/go" &
		h=$!
		for _ in $(seq 1 600); do
			[ -e "$TMP/ready" ] && break
			kill -0 "$h" 2>/dev/null || die "the idle client failed ($srv $scheme)"
			sleep 0.1
		done
		[ -e "$TMP/ready" ] || die "the idle client did not get ready"
		sleep 0.5
		read -r with _ <<<"$(mem "${PID[$srv]}")"
		touch "$TMP/go"
		wait "$h" || true
		PERCONN[$srv,$scheme]=$(calc "($with - $before) / $IDLE" %.1f)
		say "$srv $scheme: RSS $before kB -> $with kB with $IDLE idle connections"
	done
done

# Interleaved as lib.sh's rounds does: each repeat measures every server
# in every configuration, poolserve and nginx in a rotating order, then
# the servers beside them (EXTRA).
CONFIGS=(tls-close tls-close-h2load tls-keepalive http-keepalive)
declare -A EXTRA=([tls-close]="floor floorg wide"
    [tls-close-h2load]="floor floorg wide"
    [tls-keepalive]="floor floorh" [http-keepalive]="floorp floorph")
# The same poolserve with a gate twice as wide for the handshakes only
# (see the notes): --queue 10.
start_poolserve --processes 1 --threads 10 --queue 10 \
    --https "127.0.0.1:0,$CERT,$KEY" --tls-priority "$PRIO"
PID[wide]=$SRV_PID
TPORT[wide]=$(newest_tls_port)
# The keep-alive floors: libmicrohttpd alone and with the smallest
# hand-off, over TLS and over HTTP.
start_floor floorh handoff
# libmicrohttpd's own connection limit as the gate: no more than 10
# connections at once (poolserve's --threads 10 --queue 0), each from its
# accept through its handshake until it closes; the rest wait in the
# listen backlog.  Why poolserve keeps a gate of its own.
FLOOR_LIMIT=10 start_floor floorg direct
start_floor floorp direct http
start_floor floorph handoff http
for srv in "${SERVERS_ORDER[@]}" floor floorg wide floorh; do	# warm-up
	tls_wrk 1 "${TPORT[$srv]}" >/dev/null
done
for cfg in "${CONFIGS[@]}"; do
	# shellcheck disable=SC2086
	for srv in "${SERVERS_ORDER[@]}" ${EXTRA[$cfg]}; do
		: >"$TMP/runs.$cfg.$srv"
	done
done
# tls_h2load SECONDS PORT: h2load_run's figures, a connection per
# request, about SECONDS long at nginx's rate (1,500 handshakes a second)
tls_h2load() {
	SCHEME=https H2LOAD_N=$(($1 * 1500)) h2load_run "$1" "$2" / \
	    -H "Connection: close"
}
# measure CONFIG SERVER: one run of CONFIG against SERVER, kept in its
# runs file (rep: the repeat)
measure() {
	local cfg=$1 srv=$2 r
	case $cfg in
	tls-close) r=$(tls_wrk "$DURATION" "${TPORT[$srv]}" \
	    -H "Connection: close") ;;
	tls-close-h2load) r=$(tls_h2load "$DURATION" "${TPORT[$srv]}") ;;
	tls-keepalive) r=$(tls_wrk "$DURATION" "${TPORT[$srv]}") ;;
	http-keepalive) r=$(wrk_run "$DURATION" "${PORT[$srv]}" /) ;;
	esac
	echo "$r" >>"$TMP/runs.$cfg.$srv"
	say "$cfg $srv run $rep/$REPEATS: $r"
}
for rep in $(seq 1 "$REPEATS"); do
	order=("${SERVERS_ORDER[@]:$((rep % 2))}" \
	    "${SERVERS_ORDER[@]:0:$((rep % 2))}")
	for srv in "${order[@]}"; do
		for cfg in tls-close tls-keepalive http-keepalive; do
			measure $cfg "$srv"
		done
	done
	for cfg in tls-close tls-keepalive http-keepalive; do
		for srv in ${EXTRA[$cfg]}; do
			measure $cfg "$srv"
		done
	done
	for srv in "${order[@]}" ${EXTRA[tls-close-h2load]}; do
		measure tls-close-h2load "$srv"
	done
done

# --- the table, the goals ----------------------------------------------------------
declare -A MED
for cfg in "${CONFIGS[@]}"; do
	# shellcheck disable=SC2086
	for srv in nginx poolserve ${EXTRA[$cfg]}; do
		read -r m lo hi p50 p99 err < <(summary "$TMP/runs.$cfg.$srv")
		MED[$cfg,$srv]=$m
		read -r rss pss _ <<<"$(mem "${PID[$srv]}")"
		case $cfg in
		tls-close*) label="TLS, Connection: close (full handshakes)"
		    [ $cfg = tls-close-h2load ] &&
			label="TLS, Connection: close (full handshakes), h2load"
		    per="-" ;;
		tls-keepalive) label="TLS, keep-alive"
		    per="${PERCONN[$srv,https]:-?} kB RSS per idle TLS connection" ;;
		http-keepalive) label="plain HTTP, keep-alive"
		    per="${PERCONN[$srv,http]:-?} kB RSS per idle connection" ;;
		esac
		case $srv in
		floorg) per="bench/floor/floor.c; MHD_OPTION_CONNECTION_LIMIT 10" ;;
		floor*) per="bench/floor/floor.c" ;;
		wide) per="the gate's slots doubled" ;;
		esac
		row "$label" "${LABEL[$srv]}" "$m" "$lo" "$hi" "$p50" "$p99" \
		    "$err" "$rss" "$pss" \
		    "$(calc "$m / ${MED[$cfg,nginx]}" %.2f)" "$per"
	done
done
r=$(calc "${MED[tls-close,poolserve]} / ${MED[tls-close,nginx]}" %.2f)
g=$(calc "${MED[tls-close,floorg]} / ${MED[tls-close,nginx]}" %.2f)
v=MISS
ge "$r" "$HS_GOAL" && v=PASS
goal handshakes $v "poolserve ${r}x nginx full TLS handshakes/s (goal >= ${HS_GOAL}x)"
goal handshake-mhd-limit INFO "libmicrohttpd + GnuTLS alone with its own" \
    "connection limit as the gate (10 connections, poolserve's --threads" \
    "10): ${g}x nginx full TLS handshakes/s with wrk, $(calc \
    "${MED[tls-close-h2load,floorg]} / ${MED[tls-close-h2load,nginx]}" \
    %.2f)x with h2load; poolserve's own gate $(calc \
    "${MED[tls-close,poolserve]} / ${MED[tls-close,floorg]}" %.2f)x that" \
    "with wrk"
f=$(calc "${MED[tls-close,floor]} / ${MED[tls-close,nginx]}" %.2f)
goal handshake-floor INFO "libmicrohttpd + GnuTLS alone ${f}x nginx" \
    "full TLS handshakes/s, poolserve $(calc \
    "${MED[tls-close,poolserve]} / ${MED[tls-close,floor]}" %.2f)x that floor"
r=$(calc "${MED[tls-close-h2load,poolserve]} / ${MED[tls-close-h2load,nginx]}" %.2f)
goal handshakes-h2load INFO "poolserve ${r}x nginx full TLS handshakes/s" \
    "with h2load, libmicrohttpd + GnuTLS alone $(calc \
    "${MED[tls-close-h2load,floor]} / ${MED[tls-close-h2load,nginx]}" \
    %.2f)x"
goal handshakes-gate INFO "poolserve --queue 10 $(calc \
    "${MED[tls-close,wide]} / ${MED[tls-close,nginx]}" %.2f)x nginx" \
    "with wrk, $(calc "${MED[tls-close-h2load,wide]} / \
    ${MED[tls-close-h2load,nginx]}" %.2f)x with h2load: the handshakes" \
    "in the gate's slots (see the notes)"
rt=$(calc "${MED[tls-keepalive,poolserve]} / ${MED[tls-keepalive,nginx]}" %.2f)
rh=$(calc "${MED[http-keepalive,poolserve]} / ${MED[http-keepalive,nginx]}" %.2f)
v=MISS
ge "$rt" "$(calc "$rh * $KA_SLACK" %.3f)" && v=PASS
goal keep-alive $v "poolserve/nginx ${rt}x over TLS, ${rh}x over HTTP" \
    "(goal: the TLS ratio >= ${KA_SLACK} x the HTTP ratio)"
goal keep-alive-floor INFO "over TLS libmicrohttpd + GnuTLS alone" \
    "$(calc "${MED[tls-keepalive,floor]} / ${MED[tls-keepalive,nginx]}" \
    %.2f)x nginx, with the smallest hand-off $(calc \
    "${MED[tls-keepalive,floorh]} / ${MED[tls-keepalive,nginx]}" %.2f)x," \
    "poolserve $(calc "${MED[tls-keepalive,poolserve]} / \
    ${MED[tls-keepalive,floorh]}" %.2f)x that hand-off; over HTTP" \
    "$(calc "${MED[http-keepalive,floorp]} / ${MED[http-keepalive,nginx]}" \
    %.2f)x, $(calc "${MED[http-keepalive,floorph]} / \
    ${MED[http-keepalive,nginx]}" %.2f)x, poolserve $(calc \
    "${MED[http-keepalive,poolserve]} / ${MED[http-keepalive,floorph]}" \
    %.2f)x"
say "RSS per idle connection: poolserve TLS ${PERCONN[poolserve,https]} kB," \
    "HTTP ${PERCONN[poolserve,http]} kB; nginx TLS ${PERCONN[nginx,https]} kB," \
    "HTTP ${PERCONN[nginx,http]} kB"
note "RSS and PSS: summed over the master and its workers after the" \
    "load.  errors: wrk's socket errors and non-2xx answers, all runs." \
    "Memory per connection: $IDLE connections, each a full handshake and" \
    "one request, held open; the servers' RSS with them less before," \
    "divided by $IDLE.  poolserve TLS ${PERCONN[poolserve,https]} kB," \
    "plain ${PERCONN[poolserve,http]} kB; nginx TLS" \
    "${PERCONN[nginx,https]} kB, plain ${PERCONN[nginx,http]} kB." \
    "poolserve --tls-priority '$PRIO'; nginx ssl_protocols TLSv1.3," \
    "Ciphersuites TLS_AES_128_GCM_SHA256, ssl_ecdh_curve X25519," \
    "ssl_session_cache off, ssl_session_tickets off."
note "Handshakes and the gate: a connection holds one of the gate's" \
    "slots (--threads + --queue) from its accept until its request is" \
    "complete, over TLS through its handshake, a round trip of its" \
    "client's (poolserve(1), HTTPS); the clients beyond wait in the listen" \
    "backlog with their ClientHello sent.  wrk re-reads a connection that" \
    "waits for its server's first flight at every turn of its event loop" \
    "(strace of wrk -c50: 18 reads that would block per connection" \
    "against poolserve, 1 against floor.c with its hand-off), so those" \
    "waiting in the backlog cost wrk CPU on the same cores; h2load waits" \
    "for them without polling.  The --queue 10 rows let 20 connections" \
    "into a worker at once instead of 10: the difference is what the" \
    "gate costs at this round trip.  The floor.c rows with FLOOR_LIMIT=10" \
    "gate with libmicrohttpd's own connection limit instead" \
    "(MHD_OPTION_CONNECTION_LIMIT 10: it stops accepting at 10 open" \
    "connections, the others wait in the backlog): driven from an" \
    "external epoll loop as poolserve drives it, it takes its listen" \
    "socket back only at a later turn of its loop, so it serves a" \
    "fraction of what poolserve's own gate (accept.c) does."
note "Negotiated, openssl s_client against each server (poolserve, nginx," \
    "floor.c): $NEGOTIATED (version, cipher, group, signature; \"full\":" \
    "no session ticket came, or a second connection offering the first" \
    "one's session got a full handshake).  wrk itself, 1 s with Connection: close against a" \
    "logging copy of nginx's HTTPS server: $full full handshakes," \
    "$reused resumed (\$ssl_session_reused); wrk 4.1 resumes when a server" \
    "offers tickets, so both are off in nginx, and libmicrohttpd keeps no" \
    "session cache and sends no tickets."
stop "${PID[nginx]}"
stop "${PID[poolserve]}"
stop "${PID[wide]}"
stop "${PID[floor]}"
stop "${PID[floorh]}"
stop "${PID[floorp]}"
stop "${PID[floorph]}"

# --- the same handshakes with an RSA 2048 certificate ------------------------------
# All three servers on RSA: the signature is then most of a handshake's
# work, nettle's RSA against OpenSSL's.
CERT=$TMP/rsa.pem KEY=$TMP/rsa.key
start_both
start_floor
for srv in poolserve nginx floor; do
	v=$(negotiated "${TPORT[$srv]}")
	say "$srv with RSA: $v"
	[ "$v" = "TLSv1.3 TLS_AES_128_GCM_SHA256 X25519 RSA-PSS full" ] ||
	    die "$srv negotiates '$v' with the RSA certificate"
done
for srv in poolserve nginx floor; do
	tls_wrk 1 "${TPORT[$srv]}" >/dev/null
	: >"$TMP/runs.rsa.$srv"
done
for rep in $(seq 1 "$REPEATS"); do
	order=(poolserve nginx floor)
	order=("${order[@]:$((rep % 3))}" "${order[@]:0:$((rep % 3))}")
	for srv in "${order[@]}"; do
		r=$(tls_wrk "$DURATION" "${TPORT[$srv]}" -H "Connection: close")
		echo "$r" >>"$TMP/runs.rsa.$srv"
		say "rsa tls-close $srv run $rep/$REPEATS: $r"
	done
done
for srv in nginx poolserve floor; do
	read -r m lo hi p50 p99 err < <(summary "$TMP/runs.rsa.$srv")
	MED[rsa,$srv]=$m
	read -r rss pss _ <<<"$(mem "${PID[$srv]}")"
	per="-"
	[ "$srv" = floor ] && per="bench/floor/floor.c over TLS"
	row "TLS, Connection: close, RSA 2048 certificate" "${LABEL[$srv]}" \
	    "$m" "$lo" "$hi" "$p50" "$p99" "$err" "$rss" "$pss" \
	    "$(calc "$m / ${MED[rsa,nginx]}" %.2f)" "$per"
done
goal handshakes-rsa INFO "with an RSA 2048 certificate: poolserve" \
    "$(calc "${MED[rsa,poolserve]} / ${MED[rsa,nginx]}" %.2f)x nginx," \
    "libmicrohttpd + GnuTLS alone" \
    "$(calc "${MED[rsa,floor]} / ${MED[rsa,nginx]}" %.2f)x"
stop "${PID[nginx]}"
stop "${PID[poolserve]}"
stop "${PID[floor]}"

# --- testssl.sh on the default --tls-priority --------------------------------------
# Protocols, cipher categories, forward secrecy, server defaults and the
# known vulnerabilities; any "NOT ok" or "VULNERABLE" line is a MISS.
start_poolserve --processes 1 --threads 4 \
    --https "127.0.0.1:0,$TMP/cert.pem,$TMP/key.pem"
ts_port=$(newest_tls_port)
timeout 900 testssl --quiet --color 0 --warnings off --sneaky \
    -p -s -f -U "127.0.0.1:$ts_port" >"$TMP/testssl.out" 2>&1 || true
stop "$SRV_PID"
sed -n '/Testing protocols/,$p' "$TMP/testssl.out" |
    grep -v '^ *$' | grep -v '^Done ' >"$TMP/testssl.table" || true
[ -s "$TMP/testssl.table" ] || die "testssl.sh gave nothing: $(tail -n 20 "$TMP/testssl.out")"
bad=$(grep -c 'NOT ok\|VULNERABLE' "$TMP/testssl.table" || true)
{
	echo "testssl.sh $(testssl --version 2>/dev/null |
	    awk '/testssl.sh +[0-9]/ { print $2; exit }') against poolserve's"
	echo "default --tls-priority (\`testssl -p -s -f -U\`):"
	echo
	echo '```'
	cat "$TMP/testssl.table"
	echo '```'
	echo
} >>"$TMP/notes"
v=MISS
[ "$bad" = 0 ] && v=PASS
goal testssl $v "$bad \"NOT ok\" or \"VULNERABLE\" lines from testssl.sh" \
    "-p -s -f -U (goal: 0)"

bench_finish
