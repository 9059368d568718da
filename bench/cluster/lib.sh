# bench/cluster/lib.sh: a cluster of poolserve hosts on one machine, each
# host a network namespace, a balancer (HAProxy or nginx) in a front
# namespace.  Sourced by bench/cluster/run and tests/cluster.sh.
#
#   front namespace  CL_NS-lb: bridge CL_NSbr 10.200.0.1/24, the balancer
#                    on :80 (HAProxy's statistics on 127.0.0.1:8404), the
#                    load tool
#   host namespace i CL_NS-hi: eth0 10.200.0.(10+i)/24, poolserve on :8080,
#                    its statistics (--stats) on :9191, its line for
#                    HAProxy's agent-check (--agent) on :9192
#
# Everything lives in namespaces this file creates (names carry the pid, so
# that two runs do not meet); the root namespace gets nothing but, for a
# moment, the veth pairs before they move.  cl_down removes it all; callers
# call it from their EXIT trap.
#
# shellcheck shell=bash

CL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_TOP=$(cd "$CL_DIR/../.." && pwd)
CL_SHARE=$CL_TOP/share
: "${POOLSERVE:=$CL_TOP/poolserve}"
CL_NS=${CL_NS:-psc$$}		# short: interface names <= 15 bytes
CL_NET=10.200.0
CL_LB=$CL_NET.1
CL_PORT=8080
CL_STATS=9191
CL_AGENT=9192
CL_HOSTS=0
CL_TMP=
CL_LB_PID=
CL_LB_KIND=
declare -a CL_PIDS=() CL_OPTS=()
# CL_HOST_OPTS[I]: host I's poolserve options instead of CL_OPTS (words
# without spaces), for a cluster of unequal hosts.
declare -a CL_HOST_OPTS=()

cl_say() {
	echo "# $*" >&2
}

cl_die() {
	echo "cluster: $*" >&2
	exit 1
}

# cl_check_root: exit 77 with a message unless root with ip netns.
cl_check_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "cluster: needs root (ip netns, veth, a bridge); run it as root" \
		    "or with sudo" >&2
		exit 77
	fi
	command -v ip >/dev/null 2>&1 ||
	    { echo "cluster: ip (iproute2) is not installed" >&2; exit 77; }
}

cl_host_ns() {
	echo "$CL_NS-h$1"
}

cl_host_addr() {
	echo "$CL_NET.$((10 + $1))"
}

# cl_in_lb CMD...: run CMD in the front namespace.
cl_in_lb() {
	ip netns exec "$CL_NS-lb" "$@"
}

# cl_up HOSTS [poolserve options]: the namespaces, the bridge, and a
# poolserve on each host (default --processes 2 --threads 10).
cl_up() {
	local n=$1 i ns
	shift
	CL_OPTS=("$@")
	[ ${#CL_OPTS[@]} -gt 0 ] || CL_OPTS=(--processes 2 --threads 10)
	[ "$n" -ge 1 ] && [ "$n" -le 200 ] || cl_die "1 to 200 hosts"
	[ -x "$POOLSERVE" ] || cl_die "$POOLSERVE not found: build it first"
	CL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolserve-cluster.XXXXXX") ||
	    cl_die "cannot make a temporary directory"
	CL_HOSTS=$n
	ip netns add "$CL_NS-lb" || cl_die "ip netns add failed"
	cl_in_lb ip link set lo up
	cl_in_lb ip link add "${CL_NS}br" type bridge
	cl_in_lb ip addr add "$CL_LB/24" dev "${CL_NS}br"
	cl_in_lb ip link set "${CL_NS}br" up
	for i in $(seq 1 "$n"); do
		ns=$(cl_host_ns "$i")
		ip netns add "$ns" || cl_die "ip netns add $ns failed"
		ip netns exec "$ns" ip link set lo up
		# Made in the root namespace, then moved at once: cl_down
		# removes a pair left there by a failure in between.
		ip link add "${CL_NS}a$i" type veth peer name "${CL_NS}b$i" ||
		    cl_die "ip link add veth failed"
		ip link set "${CL_NS}a$i" netns "$CL_NS-lb"
		ip link set "${CL_NS}b$i" netns "$ns"
		cl_in_lb ip link set "${CL_NS}a$i" master "${CL_NS}br" up
		ip netns exec "$ns" ip link set "${CL_NS}b$i" name eth0
		ip netns exec "$ns" ip addr add "$(cl_host_addr "$i")/24" dev eth0
		ip netns exec "$ns" ip link set eth0 up
	done
	for i in $(seq 1 "$n"); do
		cl_start_host "$i"
	done
	for i in $(seq 1 "$n"); do
		cl_wait_host "$i"
	done
	cl_say "cluster $CL_NS: $n hosts ($CL_NET.11-$((10 + n))), poolserve ${CL_OPTS[*]}"
}

# cl_start_host I: poolserve on host I, its pidfile and log in CL_TMP.
cl_start_host() {
	local i=$1 ns addr root=
	ns=$(cl_host_ns "$i") addr=$(cl_host_addr "$i")
	local -a opts=("${CL_OPTS[@]}")
	[ "$(id -u)" -eq 0 ] && root=--allow-root
	# shellcheck disable=SC2206
	[ -n "${CL_HOST_OPTS[i]:-}" ] && opts=(${CL_HOST_OPTS[i]})
	# The port may still be held by the workers of a master just killed
	# (they finish their requests first): wait for it.
	for _ in $(seq 1 100); do
		[ -z "$(ip netns exec "$ns" ss -Hltn "sport = :$CL_PORT")" ] && break
		sleep 0.1
	done
	ip netns exec "$ns" "$POOLSERVE" --http "$addr:$CL_PORT" \
	    --stats "$addr:$CL_STATS" --stats-allow-remote \
	    --agent "$addr:$CL_AGENT" --pidfile "$CL_TMP/h$i.pid" \
	    --disable-logging $root "${opts[@]}" \
	    >>"$CL_TMP/h$i.out" 2>>"$CL_TMP/h$i.log" &
	CL_PIDS[i]=$!
}

# cl_wait_host I: until host I's statistics show every worker alive (10 s).
cl_wait_host() {
	local i=$1 want
	want=$(cl_host_opts "$i" | awk 'p { print; exit }
	    /^--processes$/ { p = 1 }')
	want=${want:-1}
	for _ in $(seq 1 100); do
		[ "$(cl_stats "$i" | grep -o '"status":"\(idle\|busy\)"' |
		    wc -l)" -ge "$want" ] && return 0
		kill -0 "${CL_PIDS[i]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "cluster: host $i did not start; its log:" >&2
	tail -n 20 "$CL_TMP/h$i.log" | sed 's/^/  /' >&2
	exit 1
}

# cl_stats I [PATH]: host I's statistics (GET /stats), from the front.
cl_stats() {
	cl_in_lb curl -s --max-time 2 \
	    "http://$(cl_host_addr "$1"):$CL_STATS${2:-/stats}" 2>/dev/null || true
}

# cl_requests I: requests host I has started, "" when it does not answer.
cl_requests() {
	cl_stats "$1" | sed -n 's/^{[^[]*"requests":\([0-9]*\).*/\1/p'
}

# cl_backlog I: connections waiting in host I's listen backlog now.
cl_backlog() {
	cl_stats "$1" | sed -n 's/.*"listen_queue":\([0-9]*\).*/\1/p'
}

# cl_master I: host I's master pid.
cl_master() {
	cat "$CL_TMP/h$1.pid" 2>/dev/null || echo "${CL_PIDS[$1]}"
}

# cl_restart_host I: stop host I (SIGTERM, its requests finish) and start
# it again with its options now (CL_HOST_OPTS[I] or CL_OPTS).
cl_restart_host() {
	local pid=${CL_PIDS[$1]}
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		cl_alive "$pid" || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	cl_start_host "$1"
	cl_wait_host "$1"
}

# cl_signal I SIGNAL: signal host I's master.
cl_signal() {
	local pid
	pid=$(cl_master "$1")
	kill -"$2" "$pid"
	# reap it quietly (no "Killed" job notice)
	[ "$2" = KILL ] && [ "$pid" = "${CL_PIDS[$1]}" ] &&
	    { wait "$pid" 2>/dev/null; true; }
	return 0
}

# cl_haproxy [VARIANT...]: HAProxy with share/haproxy-poolserve.cfg, its
# server lines made for CL_HOSTS hosts, maxconn = each host's processes x
# threads.  VARIANTs: no-maxconn (none on the server lines), maxconn=N (N
# on every server line), no-agent (agent-check taken out).
cl_haproxy() {
	local cfg=$CL_TMP/haproxy.cfg i maxconn v nomax= fixed= noagent=
	command -v haproxy >/dev/null 2>&1 || cl_die "haproxy is not installed"
	for v in "$@"; do
		case $v in
		no-maxconn) nomax=1 ;;
		maxconn=*) fixed=${v#maxconn=} ;;
		no-agent) noagent=1 ;;
		*) cl_die "cl_haproxy: unknown variant $v" ;;
		esac
	done
	cl_lb_stop
	{
		sed '/# servers begin/q' "$CL_SHARE/haproxy-poolserve.cfg" |
		    if [ -n "$noagent" ]; then
			sed 's/ agent-check agent-port [0-9]* agent-inter [0-9a-z]*//'
		    else
			cat
		    fi
		for i in $(seq 1 "$CL_HOSTS"); do
			if [ -n "$nomax" ]; then
				echo "	server h$i $(cl_host_addr "$i"):$CL_PORT"
			else
				maxconn=${fixed:-$(cl_slots "$i")}
				echo "	server h$i $(cl_host_addr "$i"):$CL_PORT maxconn $maxconn"
			fi
		done
		sed -n '/# servers end/,$p' "$CL_SHARE/haproxy-poolserve.cfg"
	} >"$cfg"
	haproxy -c -q -f "$cfg" || cl_die "haproxy -c failed on $cfg"
	# Not through cl_in_lb: "$!" must be the balancer itself, not a
	# subshell running the function (cl_lb_stop signals "$!").
	ip netns exec "$CL_NS-lb" haproxy -db -f "$cfg" >"$CL_TMP/haproxy.log" 2>&1 &
	CL_LB_PID=$! CL_LB_KIND=haproxy
	cl_wait_lb
	# Every server up (checks pass) before the caller loads it.
	for _ in $(seq 1 50); do
		[ "$(cl_haproxy_up)" -eq "$CL_HOSTS" ] && return 0
		sleep 0.1
	done
	cl_die "HAProxy does not see the hosts up: $(cl_haproxy_csv | cut -d, -f1,2,18)"
}

# cl_nginx [VARIANT...]: nginx with share/nginx-poolserve.conf, its server
# lines made for CL_HOSTS hosts (the parameters of the shipped first server
# line kept), under a prefix in CL_TMP.  A VARIANT changes one thing of the
# shipped config, to compare in the same run:
#   keepalive, no-keepalive   upstream "keepalive 32;" (Connection "") or none
#   zone, no-zone             upstream "zone poolserve 64k;" or none
#   workers=N                 worker_processes N
#   max_conns=N, no-max_conns max_conns=N on each server line, or none
#   rr                        round-robin (no least_conn)
cl_nginx() {
	local dir=$CL_TMP/nginx i params
	command -v nginx >/dev/null 2>&1 || cl_die "nginx is not installed"
	cl_lb_stop
	mkdir -p "$dir/logs" "$dir/tmp"
	params=$(sed -n 's/^[[:space:]]*server [0-9.]*:[0-9]* *\([^;]*\);.*/\1/p' \
	    "$CL_SHARE/nginx-poolserve.conf" | head -n 1)
	{
		sed '/upstream poolserve/q' "$CL_SHARE/nginx-poolserve.conf"
		for i in $(seq 1 "$CL_HOSTS"); do
			echo "		server $(cl_host_addr "$i"):$CL_PORT${params:+ $params};"
		done
		sed -n '/upstream poolserve/,$p' "$CL_SHARE/nginx-poolserve.conf" |
		    sed 1d | grep -v '^[[:space:]]*server [0-9.]*:[0-9]*'
	} | awk -v v="$*" '
	    BEGIN { n = split(v, w, " "); for (i = 1; i <= n; i++) {
		    split(w[i], kv, "="); want[kv[1]] = (kv[2] == "" ? 1 : kv[2]) } }
	    /^[ \t]*keepalive [0-9]+;/ { if ("no-keepalive" in want) next; ka = 1 }
	    /^[ \t]*zone [a-z_]+/ { if ("no-zone" in want) next; zone = 1 }
	    /^[ \t]*least_conn;/ && ("rr" in want) { next }
	    /^worker_processes / && ("workers" in want) {
		    $0 = "worker_processes " want["workers"] ";" }
	    /^[ \t]*server [0-9.]+:[0-9]+/ && up {
		    if ("no-max_conns" in want || "max_conns" in want)
			    gsub(/ max_conns=[0-9]+/, "")
		    if ("max_conns" in want)
			    sub(/;$/, " max_conns=" want["max_conns"] ";") }
	    /^[ \t]*}/ && up {
		    if (("keepalive" in want) && !ka) print "\t\tkeepalive 32;"
		    if (("zone" in want) && !zone) print "\t\tzone poolserve 64k;"
	    }
	    /proxy_set_header Connection/ {
		    if ("keepalive" in want) sub(/"close"/, "\"\"")
		    if ("no-keepalive" in want) sub(/""/, "\"close\"") }
	    /upstream poolserve/ { up = 1 } /^[ \t]*}/ { up = 0 }
	    { print }' | sed "s|^http {|http {\n\tclient_body_temp_path $dir/tmp/body;\n\tproxy_temp_path $dir/tmp/proxy;\n\tfastcgi_temp_path $dir/tmp/fastcgi;\n\tuwsgi_temp_path $dir/tmp/uwsgi;\n\tscgi_temp_path $dir/tmp/scgi;|" \
	    >"$dir/nginx.conf"
	cl_in_lb nginx -t -q -p "$dir/" -c "$dir/nginx.conf" \
	    -g "pid $dir/nginx.pid; error_log $dir/logs/error.log;" ||
	    cl_die "nginx -t failed on $dir/nginx.conf"
	ip netns exec "$CL_NS-lb" nginx -p "$dir/" -c "$dir/nginx.conf" \
	    -g "daemon off; pid $dir/nginx.pid; error_log $dir/logs/error.log;" \
	    >"$CL_TMP/nginx.log" 2>&1 &
	CL_LB_PID=$! CL_LB_KIND=nginx
	cl_wait_lb
}

# cl_alive PID: PID runs (a zombie does not).
cl_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# cl_lb_alone: port 80 in the front namespace is held by CL_LB_PID and its
# children (nginx's workers) only.
cl_lb_alone() {
	local pids mine p
	pids=$(cl_in_lb ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' |
	    cut -d= -f2 | sort -u)
	[ -n "$pids" ] || return 1
	mine=" $CL_LB_PID $(ps -o pid= --ppid "$CL_LB_PID" | tr '\n' ' ') "
	for p in $pids; do
		case $mine in *" $p "*) ;; *) return 1 ;; esac
	done
	return 0
}

# cl_wait_lb: until the balancer just started answers on port 80, and holds
# it alone: an earlier balancer still listening (HAProxy binds with
# SO_REUSEPORT; nginx retries bind() for seconds) would be measured instead.
cl_wait_lb() {
	for _ in $(seq 1 50); do
		if cl_lb_alone &&
		    [ "$(cl_in_lb curl -s -o /dev/null -w '%{http_code}' \
		    --max-time 2 "http://$CL_LB/" 2>/dev/null)" = 200 ]; then
			return 0
		fi
		cl_alive "$CL_LB_PID" || break
		sleep 0.1
	done
	cl_die "$CL_LB_KIND did not start: $(tail -n 5 "$CL_TMP/$CL_LB_KIND.log" "$CL_TMP/nginx/logs/error.log" 2>/dev/null)"
}

cl_lb_stop() {
	[ -n "$CL_LB_PID" ] || return 0
	kill -TERM "$CL_LB_PID" 2>/dev/null
	for _ in $(seq 1 50); do
		cl_alive "$CL_LB_PID" || break
		sleep 0.1
	done
	kill -KILL "$CL_LB_PID" 2>/dev/null
	wait "$CL_LB_PID" 2>/dev/null
	CL_LB_PID=
}

# cl_haproxy_csv: HAProxy's statistics as CSV.
cl_haproxy_csv() {
	cl_in_lb curl -s --max-time 2 'http://127.0.0.1:8404/;csv' 2>/dev/null
}

# cl_haproxy_queue: requests waiting in HAProxy's queues (backend and
# servers, qcur) now.
cl_haproxy_queue() {
	cl_haproxy_csv | awk -F, '$1 == "poolserve" { q += $3 } END { print q + 0 }'
}

# cl_haproxy_up: servers HAProxy sees UP.
cl_haproxy_up() {
	cl_haproxy_csv | awk -F, '$1 == "poolserve" && $2 != "BACKEND" &&
	    $18 ~ /^UP/ { n++ } END { print n + 0 }'
}

# cl_haproxy_maxconns: each server's maxconn in HAProxy now (slim), "a b c".
cl_haproxy_maxconns() {
	cl_haproxy_csv | awk -F, '$1 == "poolserve" && $2 != "BACKEND" {
	    printf "%s%s", n++ ? " " : "", $7 } END { print "" }'
}

# cl_haproxy_status I: HAProxy's status of host I (UP, DOWN, ...).
cl_haproxy_status() {
	cl_haproxy_csv | awk -F, -v s="h$1" '$1 == "poolserve" && $2 == s {
	    print $18 }'
}

# cl_host_opts I: host I's poolserve options, one a line.
cl_host_opts() {
	if [ -n "${CL_HOST_OPTS[$1]:-}" ]; then
		printf '%s\n' ${CL_HOST_OPTS[$1]}
	else
		printf '%s\n' "${CL_OPTS[@]}"
	fi
}

# cl_slots [I]: processes x threads of host I (default: of CL_OPTS).
cl_slots() {
	cl_host_opts "${1:-0}" | awk '
	    p == "--processes" { procs = $0 } p == "--threads" { thr = $0 }
	    { p = $0 }
	    END { print (procs ? procs : 1) * (thr ? thr : 10) }'
}

# cl_hey OUT N CLIENTS PATH: hey in the front namespace against the
# balancer, bounded (-n, -t, timeout), its output in OUT.
cl_hey() {
	timeout 300 ip netns exec "$CL_NS-lb" hey -n "$2" -c "$3" -t 60 \
	    "http://$CL_LB$4" >"$1" 2>&1
}

# cl_hey_result OUT N: "req/s p50-ms p99-ms failed" from hey's output
# (failed: errors, non-200 answers and requests never answered).
cl_hey_result() {
	awk -v n="$2" '
	/^  Requests\/sec:/ { rps = $2 }
	/^  50% in/ { p50 = $3 * 1000 }
	/^  99% in/ { p99 = $3 * 1000 }
	/^Status code distribution:/ { sect = "status"; next }
	/^Error distribution:/ { sect = "error"; next }
	sect == "status" && /^  \[[0-9]+\]/ {
		ok += ($1 == "[200]") ? $2 : 0
	}
	END {
		if (rps == "") { print "0 0 0 " n; exit }
		printf "%.2f %.1f %.1f %d\n", rps, p50, p99, n - ok
	}' "$1"
}

# cl_counts: each host's started requests, one line "c1 c2 ...".
cl_counts() {
	local i out=
	for i in $(seq 1 "$CL_HOSTS"); do
		out="$out $(cl_requests "$i")"
	done
	echo "${out# }"
}

# cl_spread BEFORE AFTER: "d1 d2 ... spread%" where spread is
# (max - min) / mean of the per-host deltas.
cl_spread() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			d = y[i] - x[i]; s += d; out = out d " "
			if (i == 1 || d > max) max = d
			if (i == 1 || d < min) min = d
		}
		printf "%s%.1f\n", out, s ? (max - min) * 100 / (s / n) : 100
	}'
}

# cl_down: stop the balancer and every poolserve, delete the namespaces
# and what a failure may have left in the root namespace.
cl_down() {
	local i pid
	cl_lb_stop
	for i in "${!CL_PIDS[@]}"; do
		pid=$(cl_master "$i")
		kill -TERM "$pid" "${CL_PIDS[i]}" 2>/dev/null
	done
	for _ in $(seq 1 30); do
		pid=
		for i in "${!CL_PIDS[@]}"; do
			kill -0 "${CL_PIDS[i]}" 2>/dev/null && pid=1
		done
		[ -z "$pid" ] && break
		sleep 0.1
	done
	for i in "${!CL_PIDS[@]}"; do
		kill -KILL "${CL_PIDS[i]}" 2>/dev/null
		wait "${CL_PIDS[i]}" 2>/dev/null
	done
	CL_PIDS=()
	# Processes still in a namespace (workers of a killed master): end them
	# before the namespace goes.
	for i in $(ip netns list 2>/dev/null | awk -v p="$CL_NS-" \
	    'index($1, p) == 1 { print $1 }'); do
		ip netns pids "$i" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$i" 2>/dev/null
	done
	for i in $(ip -o link show 2>/dev/null | awk -F': ' -v p="$CL_NS" \
	    '{ sub(/@.*/, "", $2) } $2 ~ ("^" p "[ab][0-9]+$") { print $2 }'); do
		ip link del "$i" 2>/dev/null
	done
	[ -n "$CL_TMP" ] && [ -z "${CL_KEEP:-}" ] && rm -rf "$CL_TMP"
	CL_TMP=
	return 0
}
