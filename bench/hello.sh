#!/usr/bin/env bash
# bench/hello.sh [-d SECONDS] [-r REPEATS]
#
# poolserve against nginx on the 13-byte "Hello, world!" over loopback:
# keep-alive and connection-per-request throughput (wrk), fairness among
# keep-alive connections (fairclient.c), and the memory of 4 processes.
# Each throughput and fairness figure is the median of REPEATS runs, with
# the min-max beside it so the noise shows.  See bench/README.md.
#
# It builds nothing of poolserve: run "make poolserve" first.  It installs
# wrk, nginx-light and a C compiler with apt-get when run as root, else it
# says what is missing and exits 77.  A goal missed is reported, not an
# error: the exit status is 0 unless a server or a tool fails.
#
# shellcheck disable=SC2317  # cleanup and the traps are reached indirectly
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
POOLSERVE=${POOLSERVE:-$TOP/poolserve}
RESULTS=$BENCH_DIR/results
DURATION=5
REPEATS=3
CONNS=50		# wrk -c and fairclient -c
FAIR_SECS=3
MEM_SECS=3
# Goals (see README.md).
GOAL_KEEPALIVE=0.75	# poolserve/nginx req/s, keep-alive
GOAL_CLOSE=1.0		# poolserve/nginx req/s, connection per request
GOAL_FAIR=0.5		# min/max responses per connection
GOAL_RSS_KB=12288	# 12 MB (MiB): poolserve --processes 4 --threads 10

TMP=
SERVERS=()

usage() {
	echo "usage: bench/hello.sh [-d seconds] [-r repeats]" >&2
	exit 64
}

say() {
	echo "# $*" >&2
}

die() {
	echo "hello.sh: $*" >&2
	exit 1
}

# number VALUE MIN MAX OPTION: a whole number in range, else exit 64.
number() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then
		echo "hello.sh: $4: $1: must be $2 to $3" >&2
		exit 64
	fi
}

while getopts d:r:h opt; do
	case $opt in
	d) number "$OPTARG" 1 3600 -d; DURATION=$OPTARG ;;
	r) number "$OPTARG" 1 100 -r; REPEATS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage

# --- tools -------------------------------------------------------------

[ -x "$POOLSERVE" ] ||
    die "$POOLSERVE not found: build it first (cd $TOP && make poolserve)"

NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
CC=$(command -v cc || command -v gcc || command -v clang)

# need: install what is missing (root), or say what to install (exit 77).
need() {
	local pkgs=()
	command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
	[ -n "$NGINX" ] || pkgs+=(nginx-light)
	[ -n "$CC" ] || pkgs+=(gcc libc6-dev)
	command -v awk >/dev/null 2>&1 || pkgs+=(mawk)
	command -v timeout >/dev/null 2>&1 || pkgs+=(coreutils)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "hello.sh: missing ${pkgs[*]}: install them" \
		    "(apt-get install -y ${pkgs[*]}) and run again" >&2
		exit 77
	fi
	say "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y "${pkgs[@]}" >&2 ||
	    { apt-get update >&2 && apt-get install -y "${pkgs[@]}" >&2; } ||
	    die "apt-get install ${pkgs[*]} failed"
	NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
	CC=$(command -v cc || command -v gcc || command -v clang)
	[ -n "$NGINX" ] && [ -n "$CC" ] && command -v wrk >/dev/null 2>&1 ||
	    die "still missing a tool after apt-get install ${pkgs[*]}"
}
need

# --- servers -------------------------------------------------------------

# stop PID: TERM, up to 5 s, then KILL; forget it.
stop() {
	local pid=$1 i keep=()
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	for i in "${SERVERS[@]}"; do
		[ "$i" = "$pid" ] || keep+=("$i")
	done
	SERVERS=("${keep[@]}")
}

cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in "${SERVERS[@]}"; do
		stop "$pid"
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "hello.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolserve-bench.XXXXXX") ||
    die "cannot make a temporary directory"

# hello PORT: true when GET / answers 200 "Hello, world!".
hello() {
	local resp
	resp=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
	    printf "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >&3 &&
	    cat <&3' hello "$1" 2>/dev/null)
	[[ $resp == "HTTP/1.1 200"*$'\r\n\r\n'"Hello, world!" ]]
}

# children PID: the pids of its child processes.
children() {
	cat /proc/"$1"/task/*/children 2>/dev/null
}

# start_poolserve NAME [options]: sets PS_PID and PS_PORT once every
# worker is ready and / answers; exits 1 when it does not start.
start_poolserve() {
	local name=$1 procs=1 prev="" i log
	shift
	log=$TMP/poolserve-$name.log
	for i in "$@"; do
		[ "$prev" = --processes ] && procs=$i
		prev=$i
	done
	"$POOLSERVE" --http 127.0.0.1:0 --disable-logging "$@" \
	    >/dev/null 2>"$log" &
	PS_PID=$!
	SERVERS+=("$PS_PID")
	PS_PORT=
	for i in $(seq 1 100); do
		if [ "$(grep -c ' ready: ' "$log")" -ge "$procs" ]; then
			PS_PORT=$(sed -n \
			    's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
			    "$log" | head -n 1)
			break
		fi
		kill -0 "$PS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$PS_PORT" ] || ! hello "$PS_PORT"; then
		echo "hello.sh: poolserve $* did not start; its log:" >&2
		sed 's/^/  /' "$log" >&2
		exit 1
	fi
	say "poolserve $* (pid $PS_PID) on port $PS_PORT"
}

# A port for nginx: random, below the ephemeral range, nothing on it.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
	done
	echo "$p"
}

# start_nginx WORKERS: nginx as the current user under a temporary
# prefix, the equivalent of poolserve's / route; sets NG_PID and NG_PORT.
start_nginx() {
	local workers=$1 dir=$TMP/nginx-$1 i user=""
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	# Only root may name a user; keep the workers as root then too.
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	for _ in 1 2 3 4 5; do
		NG_PORT=$(free_port)
		cat >"$dir/nginx.conf" <<-EOF
		$user
		worker_processes $workers;
		daemon off;
		master_process on;
		pid $dir/nginx.pid;
		error_log $dir/error.log warn;
		events {
			worker_connections 4096;
		}
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
			server {
				listen 127.0.0.1:$NG_PORT;
				location = / {
					return 200 "Hello, world!";
				}
			}
		}
		EOF
		: >"$dir/error.log"
		"$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
		    >/dev/null 2>>"$dir/error.log" &
		NG_PID=$!
		SERVERS+=("$NG_PID")
		for i in $(seq 1 100); do
			if [ "$(children "$NG_PID" | wc -w)" -ge "$workers" ] &&
			    hello "$NG_PORT"; then
				say "nginx, $workers worker(s) (pid $NG_PID)" \
				    "on port $NG_PORT"
				return 0
			fi
			kill -0 "$NG_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop "$NG_PID"
		grep -q 'Address already in use' "$dir/error.log" || break
	done
	echo "hello.sh: nginx did not start; its error log:" >&2
	sed 's/^/  /' "$dir/error.log" >&2
	exit 1
}

# --- measuring ------------------------------------------------------------

# wrk_run OUT SECONDS PORT [wrk options]: one bounded wrk run.
wrk_run() {
	local out=$1 secs=$2 port=$3
	shift 3
	wrk -t2 -c"$CONNS" -d"${secs}s" --latency "$@" \
	    "http://127.0.0.1:$port/" >"$out" 2>&1 ||
	    die "wrk failed against port $port: $(cat "$out")"
}

# wrk_parse OUT: "req/s p99-ms errors" (errors: socket errors + non-2xx).
wrk_parse() {
	awk '
	/^Requests\/sec:/ { rps = $2 }
	/^ +99%/ {
		v = $2
		if (v ~ /us$/) p99 = substr(v, 1, length(v) - 2) / 1000
		else if (v ~ /ms$/) p99 = substr(v, 1, length(v) - 2) + 0
		else if (v ~ /m$/) p99 = substr(v, 1, length(v) - 1) * 60000
		else if (v ~ /s$/) p99 = substr(v, 1, length(v) - 1) * 1000
	}
	/Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
	/Non-2xx or 3xx responses:/ { err += $NF }
	END {
		if (rps == "") exit 1
		printf "%.0f %.2f %d\n", rps, p99, err
	}' "$1" || die "cannot read wrk's output: $(cat "$1")"
}

# stats: numbers on stdin, one a line -> "median min max".
stats() {
	sort -g | awk '
	{ a[NR] = $1 }
	END {
		if (NR == 0) exit 1
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		print m, a[1], a[NR]
	}'
}

# mem PID: "rss-kB pss-kB threads each" summed over the master and its
# children: threads per child ("12/12"), each's RSS in kB ("4568+2228/2328").
mem() {
	local p rss=0 pss=0 r s threads="" each=""
	for p in "$1" $(children "$1"); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" \
		    2>/dev/null)
		rss=$((rss + ${r:-0}))
		pss=$((pss + ${s:-0}))
		if [ "$p" = "$1" ]; then
			each=${r:-0}+
		else
			each=$each${threads:+/}${r:-0}
			threads="$threads${threads:+/}$(ls "/proc/$p/task" | wc -l)"
		fi
	done
	echo "$rss $pss ${threads:--} $each"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'
}

mb() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

CSV=$TMP/csv
csv() {
	local IFS=,
	echo "$*" >>"$CSV"
}

# --- the machine ------------------------------------------------------------

PS_VERSION=$("$POOLSERVE" --version 2>&1 | head -n 1)
NG_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
WRK_VERSION=$(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')
NPROC=$(nproc)
KERNEL=$(uname -r)
NOW=$(date -u '+%Y-%m-%d %H:%M UTC')
DAY=$(date -u '+%Y-%m-%d')
LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg)
echo "section,configuration,server,metric,value,unit" >"$CSV"
csv machine - - nproc "$NPROC" cpus
csv machine - - kernel "$KERNEL" -
csv machine - - date "$NOW" -
csv machine - - loadavg "$LOAD" -
csv machine - poolserve version "$PS_VERSION" -
csv machine - nginx version "$NG_VERSION" -
csv machine - wrk version "$WRK_VERSION" -

say "$NOW: nproc $NPROC, Linux $KERNEL, load $LOAD"
say "$PS_VERSION; $NG_VERSION; $WRK_VERSION"
say "throughput: ${DURATION} s x $REPEATS repeats per figure;" \
    "about $((4 * REPEATS * DURATION + 6 * REPEATS + 20)) s in all"

"$CC" -O2 -o "$TMP/fairclient" "$BENCH_DIR/fairclient.c" ||
    die "cannot compile $BENCH_DIR/fairclient.c"

# --- throughput: keep-alive and connection per request -----------------------

declare -A PORT PID	# by server: poolserve, nginx

start_poolserve hello --processes 1 --threads 10
PORT[poolserve]=$PS_PORT PID[poolserve]=$PS_PID
start_nginx 1
PORT[nginx]=$NG_PORT PID[nginx]=$NG_PID

# A short warm-up of each, not counted.
for srv in poolserve nginx; do
	wrk_run "$TMP/warm" 1 "${PORT[$srv]}"
done

RUNS=$TMP/runs		# "configuration server repeat rps p99 errors"
: >"$RUNS"
for rep in $(seq 1 "$REPEATS"); do
	# Alternate who goes first so that drift favours neither.
	order="poolserve nginx"
	[ $((rep % 2)) -eq 0 ] && order="nginx poolserve"
	for cfg in keep-alive close; do
		for srv in $order; do
			if [ "$cfg" = close ]; then
				wrk_run "$TMP/wrk" "$DURATION" "${PORT[$srv]}" \
				    -H "Connection: close"
			else
				wrk_run "$TMP/wrk" "$DURATION" "${PORT[$srv]}"
			fi
			read -r rps p99 err < <(wrk_parse "$TMP/wrk")
			echo "$cfg $srv $rep $rps $p99 $err" >>"$RUNS"
			say "$cfg $srv run $rep/$REPEATS: $rps req/s," \
			    "p99 $p99 ms, $err errors"
		done
	done
done

# --- fairness: 50 keep-alive connections, 2 threads ---------------------------

stop "${PID[poolserve]}"
start_poolserve fair --processes 1 --threads 2
PORT[poolserve]=$PS_PORT PID[poolserve]=$PS_PID

FAIR=$TMP/fair		# "server repeat ratio min max total zero errors"
: >"$FAIR"
for rep in $(seq 1 "$REPEATS"); do
	for srv in poolserve nginx; do
		line=$("$TMP/fairclient" -c "$CONNS" -d "$FAIR_SECS" \
		    "127.0.0.1:${PORT[$srv]}") || die "fairclient failed: $line"
		# "conns=50 secs=3 total=.. min=.. max=.. ratio=.. zero=.. ..."
		echo "$line" | awk -v s=$srv -v r="$rep" '{
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				v[kv[1]] = kv[2]
			}
			print s, r, v["ratio"], v["min"], v["max"], v["total"],
			    v["zero"], v["errors"]
		}' >>"$FAIR"
		say "fairness $srv run $rep/$REPEATS: $line"
	done
done
stop "${PID[poolserve]}"
stop "${PID[nginx]}"

# --- memory: 4 processes, idle and right after load ---------------------------

# "server rss pss threads (idle) rss pss threads (after load) each each"
MEM=$TMP/mem
: >"$MEM"
for srv in poolserve nginx; do
	if [ $srv = poolserve ]; then
		start_poolserve mem --processes 4 --threads 10
		pid=$PS_PID port=$PS_PORT
	else
		start_nginx 4
		pid=$NG_PID port=$NG_PORT
	fi
	sleep 1
	read -r rss0 pss0 thr0 each0 < <(mem "$pid")
	wrk_run "$TMP/wrk" "$MEM_SECS" "$port"
	read -r rss1 pss1 thr1 each1 < <(mem "$pid")
	echo "$srv $rss0 $pss0 $thr0 $rss1 $pss1 $thr1 $each0 $each1" >>"$MEM"
	say "memory $srv: idle RSS $rss0 kB ($each0; PSS $pss0, threads" \
	    "$thr0), after load RSS $rss1 kB ($each1; PSS $pss1, threads $thr1)"
	stop "$pid"
done

# --- the report ---------------------------------------------------------------

# The figures first: T[cfg,server,what], F[server,what], then the text.
declare -A T F
for cfg in keep-alive close; do
	for srv in poolserve nginx; do
		sel="\$1 == \"$cfg\" && \$2 == \"$srv\""
		read -r "T[$cfg,$srv,med]" "T[$cfg,$srv,lo]" "T[$cfg,$srv,hi]" \
		    < <(awk "$sel { print \$4 }" "$RUNS" | stats)
		read -r "T[$cfg,$srv,p99]" _ _ \
		    < <(awk "$sel { print \$5 }" "$RUNS" | stats)
		T[$cfg,$srv,err]=$(awk "$sel { e += \$6 } END { print e + 0 }" \
		    "$RUNS")
	done
	T[$cfg,ratio]=$(ratio "${T[$cfg,poolserve,med]}" "${T[$cfg,nginx,med]}")
done
for srv in poolserve nginx; do
	read -r "F[$srv,med]" "F[$srv,lo]" "F[$srv,hi]" \
	    < <(awk -v s=$srv '$1 == s { print $3 }' "$FAIR" | stats)
	# the counts of the run whose ratio is the median (lower one if even)
	read -r _ _ _ "F[$srv,min]" "F[$srv,max]" "F[$srv,total]" \
	    "F[$srv,zero]" "F[$srv,err]" < <(awk -v s=$srv '$1 == s' "$FAIR" |
	    sort -g -k3 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }')
done
read -r _ rss0 _ _ rss1 _ < <(awk '$1 == "poolserve"' "$MEM")
RSS=$rss1
[ "$rss0" -gt "$rss1" ] && RSS=$rss0

REPORT=$TMP/report.md
{
	echo "# poolserve vs nginx: hello, world (bench/hello.sh)"
	echo
	echo "nproc $NPROC, Linux $KERNEL, $NOW, load $LOAD;" \
	    "$PS_VERSION; $NG_VERSION; $WRK_VERSION;" \
	    "wrk -t2 -c$CONNS, $DURATION s x $REPEATS runs (median, min–max)"
	echo
	echo "| configuration | server | req/s median (min–max) | p99 latency | errors | ratio poolserve/nginx |"
	echo "|---|---|---|---|---|---|"
	for cfg in keep-alive close; do
		for srv in poolserve nginx; do
			r=
			[ $srv = poolserve ] && r="${T[$cfg,ratio]}x"
			label=$cfg
			[ "$cfg" = close ] && label="Connection: close"
			printf '| %s | %s | %.0f (%.0f–%.0f) | %.2f ms | %s | %s |\n' \
			    "$label" $srv "${T[$cfg,$srv,med]}" \
			    "${T[$cfg,$srv,lo]}" "${T[$cfg,$srv,hi]}" \
			    "${T[$cfg,$srv,p99]}" "${T[$cfg,$srv,err]}" "$r"
		done
	done
	echo
	echo "p99: the median of the runs' 99th percentiles; errors: wrk's" \
	    "socket errors and non-2xx responses, all runs."
	echo
	echo "Fairness: $CONNS keep-alive connections for $FAIR_SECS s," \
	    "one request outstanding on each (bench/fairclient.c);" \
	    "poolserve --processes 1 --threads 2, nginx 1 worker."
	echo
	echo "| server | min/max median (min–max) | responses per connection min / max | total | connections with 0 | errors |"
	echo "|---|---|---|---|---|---|"
	for srv in poolserve nginx; do
		printf '| %s | %.3f (%.3f–%.3f) | %s / %s | %s | %s | %s |\n' \
		    $srv "${F[$srv,med]}" "${F[$srv,lo]}" "${F[$srv,hi]}" \
		    "${F[$srv,min]}" "${F[$srv,max]}" "${F[$srv,total]}" \
		    "${F[$srv,zero]}" "${F[$srv,err]}"
	done
	echo
	echo "Counts are from the run with the median ratio."
	echo
	echo "Memory: 4 processes (poolserve --processes 4 --threads 10," \
	    "nginx worker_processes 4), master + workers, idle and right" \
	    "after $MEM_SECS s of wrk keep-alive load.  The RSS sum counts" \
	    "pages the processes share once per process; PSS divides them."
	echo
	echo "| server | RSS idle | RSS after load | PSS idle | PSS after load | threads per worker, idle → after load | RSS kB after load, master + workers |"
	echo "|---|---|---|---|---|---|---|"
	while read -r srv rss0 pss0 thr0 rss1 pss1 thr1 _ each1; do
		printf '| %s | %s MB | %s MB | %s MB | %s MB | %s → %s | %s |\n' \
		    "$srv" "$(mb "$rss0")" "$(mb "$rss1")" "$(mb "$pss0")" \
		    "$(mb "$pss1")" "$thr0" "$thr1" "$each1"
	done <"$MEM"
	echo
} >"$REPORT"

# goal NAME VALUE OP LIMIT TEXT: a PASS or MISS line, and its CSV row.
goal() {
	local verdict=MISS
	case $3 in
	'>=') ge "$2" "$4" && verdict=PASS ;;
	'<=') ge "$4" "$2" && verdict=PASS ;;
	esac
	echo "$verdict $1: ${*:5}"
	echo "goal,$1,poolserve,$verdict,$2,$3 $4" >>"$TMP/goals.csv"
}

{
	echo '```'
	goal keep-alive "${T[keep-alive,ratio]}" '>=' $GOAL_KEEPALIVE \
	    "poolserve ${T[keep-alive,ratio]}x nginx (goal >= ${GOAL_KEEPALIVE}x)"
	goal close "${T[close,ratio]}" '>=' $GOAL_CLOSE \
	    "poolserve ${T[close,ratio]}x nginx with Connection: close" \
	    "(goal >= ${GOAL_CLOSE}x)"
	goal fairness "${F[poolserve,med]}" '>=' $GOAL_FAIR \
	    "poolserve min/max ${F[poolserve,med]}, nginx ${F[nginx,med]}" \
	    "(goal >= $GOAL_FAIR)"
	goal rss "$RSS" '<=' $GOAL_RSS_KB \
	    "poolserve 4x10 RSS $(mb "$RSS") MB, the larger of idle and" \
	    "after load (goal <= $(mb $GOAL_RSS_KB) MB)"
	echo '```'
} >>"$REPORT"

# The CSV: every figure, one a row.
for cfg in keep-alive close; do
	for srv in poolserve nginx; do
		csv throughput "$cfg" $srv rps_median "${T[$cfg,$srv,med]}" req/s
		csv throughput "$cfg" $srv rps_min "${T[$cfg,$srv,lo]}" req/s
		csv throughput "$cfg" $srv rps_max "${T[$cfg,$srv,hi]}" req/s
		csv throughput "$cfg" $srv p99_median "${T[$cfg,$srv,p99]}" ms
		csv throughput "$cfg" $srv errors "${T[$cfg,$srv,err]}" count
	done
	csv throughput "$cfg" poolserve ratio_vs_nginx "${T[$cfg,ratio]}" x
done
awk '{ printf "throughput,%s,%s,run%d_rps,%s,req/s\n" \
    "throughput,%s,%s,run%d_p99,%s,ms\n" \
    "throughput,%s,%s,run%d_errors,%s,count\n", \
    $1, $2, $3, $4, $1, $2, $3, $5, $1, $2, $3, $6 }' "$RUNS" >>"$CSV"
for srv in poolserve nginx; do
	csv fairness "$CONNS conns $FAIR_SECS s" $srv ratio_median \
	    "${F[$srv,med]}" min/max
	csv fairness "$CONNS conns $FAIR_SECS s" $srv ratio_min \
	    "${F[$srv,lo]}" min/max
	csv fairness "$CONNS conns $FAIR_SECS s" $srv ratio_max \
	    "${F[$srv,hi]}" min/max
	for what in min max total zero err; do
		csv fairness "$CONNS conns $FAIR_SECS s" $srv "${what}_median_run" \
		    "${F[$srv,$what]}" count
	done
done
awk -v c="$CONNS conns $FAIR_SECS s" '{
    printf "fairness,%s,%s,run%d_ratio,%s,min/max\n", c, $1, $2, $3 }' \
    "$FAIR" >>"$CSV"
while read -r srv rss0 pss0 thr0 rss1 pss1 thr1 each0 each1; do
	csv memory "4 processes" "$srv" rss_each_idle "$each0" kB
	csv memory "4 processes" "$srv" rss_each_load "$each1" kB
	csv memory "4 processes" "$srv" rss_idle "$rss0" kB
	csv memory "4 processes" "$srv" rss_load "$rss1" kB
	csv memory "4 processes" "$srv" pss_idle "$pss0" kB
	csv memory "4 processes" "$srv" pss_load "$pss1" kB
	csv memory "4 processes" "$srv" threads_idle "$thr0" per-worker
	csv memory "4 processes" "$srv" threads_load "$thr1" per-worker
done <"$MEM"
cat "$TMP/goals.csv" >>"$CSV"

mkdir -p "$RESULTS" || die "cannot make $RESULTS"
cp "$REPORT" "$RESULTS/$DAY-hello.md.tmp" &&
    mv "$RESULTS/$DAY-hello.md.tmp" "$RESULTS/$DAY-hello.md" &&
    cp "$CSV" "$RESULTS/$DAY-hello.csv.tmp" &&
    mv "$RESULTS/$DAY-hello.csv.tmp" "$RESULTS/$DAY-hello.csv" ||
    die "cannot write the results in $RESULTS"
cat "$REPORT"
echo
say "written: ${RESULTS#"$TOP"/}/$DAY-hello.md and .csv"
exit 0
