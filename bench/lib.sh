# bench/lib.sh: what every bench/suites/*.sh shares.  Sourced, not run.
#
# A suite calls bench_init NAME, starts servers with the start_* functions
# (each records its pid so that the EXIT/INT/TERM trap stops it), measures
# with wrk_run/hey_run, records one table row per (configuration, server)
# with row, adds goals and notes, and calls bench_finish, which writes
# bench/results/<date>-NAME.md, .csv and .png.
#
# Environment (set by bench/run, defaults for a suite run by hand):
#   POOLSERVE         the poolserve binary (default: the top directory's)
#   BENCH_DURATION    seconds of each load run (default 5)
#   BENCH_REPEATS     runs per figure, the median is reported (default 3)
#   BENCH_RESULTS     where results go (default bench/results)
#
# Everything listens on 127.0.0.1 only, every load run is bounded in time
# (wrk -d, hey -n with -t, timeout), and servers run as the current user.
#
# shellcheck shell=bash disable=SC2317  # trap targets are reached indirectly

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
. "$TOP/tests/start.sh"		# poolserve_start, free_port
POOLSERVE=${POOLSERVE:-$TOP/poolserve}
DURATION=${BENCH_DURATION:-5}
REPEATS=${BENCH_REPEATS:-3}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
# Debian's python3: the Flask apps use its packages (python3-flask), never
# whatever python3 comes first on PATH.
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1	# no __pycache__ in the tree
TMP=
SERVERS=()
SUITE=

say() {
	echo "# $*" >&2
}

die() {
	echo "bench/${SUITE:-lib}: $*" >&2
	exit 1
}

# --- tools -------------------------------------------------------------

# need CMD:PACKAGE ...: install the packages whose command is missing
# (apt-get, as root), else name them and exit 77 (skipped).  CMD may be a
# path (/usr/bin/python3); "py:MODULE:PACKAGE" checks a module of Debian's
# python3, "deb:PACKAGE" the package itself.
need() {
	local spec cmd pkg pkgs=()
	for spec in "$@"; do
		cmd=${spec%%:*} pkg=${spec#*:}
		case $cmd in
		deb) # deb:PACKAGE, for what has no command (a plugin)
		    dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null |
			grep -q 'ok installed' || pkgs+=("$pkg") ;;
		py) # py:MODULE:PACKAGE
		    cmd=${pkg%%:*} pkg=${pkg#*:}
		    "$PY" -c "import $cmd" 2>/dev/null || pkgs+=("$pkg") ;;
		/*) [ -x "$cmd" ] || pkgs+=("$pkg") ;;
		*) command -v "$cmd" >/dev/null 2>&1 || pkgs+=("$pkg") ;;
		esac
	done
	[ ${#pkgs[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "bench/$SUITE: missing ${pkgs[*]}: install them" \
		    "(apt-get install -y ${pkgs[*]}) and run again" >&2
		exit 77
	fi
	say "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Another apt-get may hold the lock for a while: wait for it.
	apt-get -o DPkg::Lock::Timeout=300 install -y "${pkgs[@]}" >&2 ||
	    { apt-get update >&2 &&
	    apt-get -o DPkg::Lock::Timeout=300 install -y "${pkgs[@]}" >&2; } ||
	    die "apt-get install ${pkgs[*]} failed"
}

# --- servers -------------------------------------------------------------

# stop PID: TERM, up to 5 s, then KILL the process and its children; forget
# it.  (uWSGI reloads on TERM unless started with --die-on-term, as here.)
stop() {
	local pid=$1 i kids keep=()
	if kill -0 "$pid" 2>/dev/null; then
		kids=$(children "$pid")
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		# uWSGI and gunicorn workers die with their master; make sure.
		for i in $kids; do
			kill -KILL "$i" 2>/dev/null || true
		done
	fi
	wait "$pid" 2>/dev/null || true
	for i in "${SERVERS[@]}"; do
		[ "$i" = "$pid" ] || keep+=("$i")
	done
	SERVERS=("${keep[@]}")
}

stop_all() {
	local pid
	for pid in "${SERVERS[@]}"; do
		stop "$pid"
	done
}

bench_cleanup() {
	trap - EXIT INT TERM
	stop_all
	[ -n "$TMP" ] && rm -rf "$TMP"
}

# children PID: the pids of its child processes.
children() {
	cat /proc/"$1"/task/*/children 2>/dev/null || true
}

# A port nothing listens on, below the ephemeral range.  Servers that
# cannot be told port 0 and report it get one of these.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
	done
	echo "$p"
}

# http_body PORT PATH: the body of GET PATH (Connection: close), or "",
# read with the tests' raw client (tests/httpc.py).
http_body() {
	PYTHONPATH="$TOP/tests" timeout 5 python3 -c 'import sys, httpc
r = httpc.exchange(int(sys.argv[1]), httpc.request(sys.argv[2],
    headers=[("Connection", "close")]), timeout=5)
sys.stdout.buffer.write(r.body if r is not None and r.body else b"")' \
	    "$1" "$2" 2>/dev/null
}

# wait_ready NAME PID PORT WORKERS LOG: until PID has WORKERS children and
# GET / answers "Hello, world!" (10 s); exits 1 with the log otherwise.
wait_ready() {
	local name=$1 pid=$2 port=$3 workers=$4 log=$5 i
	for i in $(seq 1 100); do
		if [ "$(children "$pid" | wc -w)" -ge "$workers" ] &&
		    [ "$(http_body "$port" /)" = "Hello, world!" ]; then
			say "$name (pid $pid) on port $port"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench/$SUITE: $name did not start; its log:" >&2
	tail -n 20 "$log" | sed 's/^/  /' >&2
	exit 1
}

# start_poolserve OPTIONS...: SRV_PID, SRV_PORT once every worker is ready.
start_poolserve() {
	local procs=1 prev="" i log
	log=$TMP/poolserve.$RANDOM.log
	for i in "$@"; do
		[ "$prev" = --processes ] && procs=$i
		prev=$i
	done
	# A poolserve that refuses root workers without --allow-root gets it
	# when the bench runs as root (the servers it compares with run as
	# the current user too).
	if [ -z "${ROOT_OPT+set}" ]; then
		ROOT_OPT=
		[ "$(id -u)" -eq 0 ] && "$POOLSERVE" --help 2>&1 |
		    grep -q -- --allow-root && ROOT_OPT=--allow-root
	fi
	poolserve_start "$log" /dev/null "$POOLSERVE" --http 127.0.0.1:0 \
	    --disable-logging $ROOT_OPT "$@" || true
	SRV_PID=$POOLSERVE_PID
	SERVERS+=("$SRV_PID")
	SRV_PORT=$POOLSERVE_PORT
	[ -n "$SRV_PORT" ] || { SRV_PORT=0; cat "$log" >&2; }
	wait_ready "poolserve $*" "$SRV_PID" "$SRV_PORT" "$procs" "$log"
}

# start_nginx WORKERS: nginx as the current user under a temporary prefix,
# the equivalent of poolserve's "/" route, no access log, keep-alive
# connections never closed by nginx itself; SRV_PID, SRV_PORT.
start_nginx() {
	local workers=$1 dir user=""
	dir=$TMP/nginx.$RANDOM
	mkdir -p "$dir/tmp" || die "cannot make $dir"
	# Only root may name a user; keep the workers as root then too.
	[ "$(id -u)" -eq 0 ] && user="user $(id -un) $(id -gn);"
	SRV_PORT=$(free_port)
	cat >"$dir/nginx.conf" <<-EOF
	$user
	worker_processes $workers;
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
	wait_ready "nginx, $workers worker(s)" "$SRV_PID" "$SRV_PORT" \
	    "$workers" "$dir/error.log"
}

# start_uwsgi_routes PROCESSES: uWSGI answering "/" from its internal
# routing, no Python: the fastest uWSGI can say hello.  --http11-socket
# speaks HTTP/1.1; one route-run action writes, in one write, the same
# 13-byte response poolserve and nginx send.  SRV_PID, SRV_PORT.
start_uwsgi_routes() {
	local procs=$1 log=$TMP/uwsgi.$RANDOM.log
	SRV_PORT=$(free_port)
	uwsgi --http11-socket "127.0.0.1:$SRV_PORT" --master --die-on-term \
	    --processes "$procs" --disable-logging --listen 128 \
	    --route-run $'send:HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, world!\n' \
	    --route-run 'break:' >"$log" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "uWSGI internal routing, $procs process(es)" \
	    "$SRV_PID" "$SRV_PORT" "$procs" "$log"
}

# start_uwsgi PROCESSES THREADS [uwsgi options]: uWSGI running the Flask
# lab app (bench/apps/labapp.py) on --http-socket, the setup of the seed
# write-ups, with poolserve's default backlog.  SRV_PID, SRV_PORT.
start_uwsgi() {
	local procs=$1 threads=$2 log=$TMP/uwsgi.$RANDOM.log
	shift 2
	SRV_PORT=$(free_port)
	uwsgi --plugin python3 --http-socket "127.0.0.1:$SRV_PORT" --master \
	    --die-on-term --processes "$procs" --threads "$threads" --listen 128 \
	    --disable-logging --chdir "$BENCH_DIR/apps" \
	    --wsgi-file labapp.py --callable app "$@" >"$log" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "uWSGI --processes $procs --threads $threads${*:+ $*}" \
	    "$SRV_PID" "$SRV_PORT" "$procs" "$log"
}

# start_gunicorn CLASS WORKERS THREADS: gunicorn with worker class CLASS
# (gthread, sync) running the Flask lab app, backlog 128.  SRV_PID, SRV_PORT.
start_gunicorn() {
	local class=$1 procs=$2 threads=$3 log=$TMP/gunicorn.$RANDOM.log
	SRV_PORT=$(free_port)
	/usr/bin/gunicorn --chdir "$BENCH_DIR/apps" -k "$class" \
	    -w "$procs" --threads "$threads" --backlog 128 \
	    -b "127.0.0.1:$SRV_PORT" labapp:app >"$log" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "gunicorn -k $class -w $procs --threads $threads" \
	    "$SRV_PID" "$SRV_PORT" "$procs" "$log"
}

# start_werkzeug: Flask's own server, app.run(threaded=True): a new thread
# per connection, no bound.  SRV_PID, SRV_PORT, SRV_LOG.
start_werkzeug() {
	SRV_LOG=$TMP/werkzeug.$RANDOM.log
	SRV_PORT=$(free_port)
	"$PY" "$BENCH_DIR/apps/labapp.py" "$SRV_PORT" >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	SERVERS+=("$SRV_PID")
	wait_ready "werkzeug threaded" "$SRV_PID" "$SRV_PORT" 0 "$SRV_LOG"
}

# --- measuring ------------------------------------------------------------

# mem PID: "rss-kB pss-kB threads processes" summed over PID and its
# children.  RSS counts shared pages once per process; PSS shares them out.
mem() {
	local p rss=0 pss=0 thr=0 n=0 r s
	for p in "$1" $(children "$1"); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" \
		    2>/dev/null || true)
		s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" \
		    2>/dev/null || true)
		rss=$((rss + ${r:-0}))
		pss=$((pss + ${s:-0}))
		thr=$((thr + $(ls "/proc/$p/task" 2>/dev/null | wc -l)))
		n=$((n + 1))
	done
	echo "$rss $pss $thr $n"
}

# AWK_MS: awk's ms(v), a time as wrk and h2load print it ("850us",
# "1.25ms", "2.01s", "1.02m") in milliseconds.
AWK_MS='
function ms(v) {
	if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
	if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
	if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
	if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
}'

# wrk_run SECONDS PORT PATH [wrk options]: "req/s p50-ms p99-ms errors"
# of one bounded wrk -t2 -c${CONNS:-50} run against ${SCHEME:-http}://
# (errors: socket errors and non-2xx responses).
wrk_run() {
	local secs=$1 port=$2 path=$3 out=$TMP/wrk.out
	shift 3
	timeout $((secs + 30)) wrk -t2 -c"${CONNS:-50}" -d"${secs}s" \
	    --latency "$@" "${SCHEME:-http}://127.0.0.1:$port$path" \
	    >"$out" 2>&1 ||
	    die "wrk failed against port $port: $(cat "$out")"
	awk "$AWK_MS"'
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
	/Non-2xx or 3xx responses:/ { err += $NF }
	END {
		if (rps == "") exit 1
		printf "%.1f %.3f %.3f %d\n", rps, p50, p99, err
	}' "$out" || die "cannot read wrk's output: $(cat "$out")"
}

# h2load_run SECONDS PORT PATH [h2load options]: "req/s mean-ms max-ms
# errors", as wrk_run prints its figures, of one h2load --h1 -t2
# -c${CONNS:-50} run against ${SCHEME:-http}:// for SECONDS, or of
# H2LOAD_N requests when that is set (h2load 1.52 does not end a timed
# run whose server closes its connections); errors: failed, errored and
# timed-out requests.  h2load waits for a connection's answer without
# polling it, where wrk re-reads a TLS connection that waits for its
# server's first flight at every turn of its loop (bench/suites/tls.sh).
h2load_run() {
	local secs=$1 port=$2 path=$3 out=$TMP/h2load.out
	local -a len=(-D "$secs")
	shift 3
	[ -n "${H2LOAD_N:-}" ] && len=(-n "$H2LOAD_N")
	timeout $((secs + 60)) h2load --h1 -t2 -c"${CONNS:-50}" "${len[@]}" \
	    "$@" "${SCHEME:-http}://127.0.0.1:$port$path" >"$out" 2>&1 ||
	    die "h2load failed against port $port: $(tail -n 5 "$out")"
	awk "$AWK_MS"'
	/^finished in/ { rps = $4 }
	/^requests:/ { err = $10 + $12 + $14 }
	/^time for request:/ { mean = ms($6) ; max = ms($5) }
	END {
		if (rps == "") exit 1
		printf "%.1f %.3f %.3f %d\n", rps, mean, max, err
	}' "$out" || die "cannot read h2load's output: $(cat "$out")"
}

# hey_run N CLIENTS URL-PATH PORT [hey options]: "req/s p50-ms p99-ms
# errors" of hey -n N -c CLIENTS (every request 60 s at most; errors:
# failed requests and non-200 answers).  req/s is N over the time the
# whole run took, so it counts the slowest request too.
hey_run() {
	local n=$1 c=$2 path=$3 port=$4 out=$TMP/hey.out
	shift 4
	timeout 600 hey -n "$n" -c "$c" -t 60 "$@" \
	    "http://127.0.0.1:$port$path" >"$out" 2>&1 ||
	    die "hey failed against port $port: $(tail -n 5 "$out")"
	awk -v n="$n" '
	/^  Requests\/sec:/ { rps = $2 }
	/^  50% in/ { p50 = $3 * 1000 }
	/^  99% in/ { p99 = $3 * 1000 }
	/^Status code distribution:/ { sect = "status"; next }
	/^Error distribution:/ { sect = "error"; next }
	sect == "status" && /^  \[[0-9]+\]/ {
		ok += ($1 == "[200]") ? $2 : 0
		bad += ($1 == "[200]") ? 0 : $2
	}
	sect == "error" && /^  \[[0-9]+\]/ {
		v = $1; gsub(/[][]/, "", v); bad += v
	}
	END {
		if (rps == "") exit 1
		printf "%.2f %.1f %.1f %d\n", rps, p50, p99, bad + (n - ok - bad)
	}' "$out" || die "cannot read hey's output: $(tail -n 20 "$out")"
}

# rounds NAME PATH [wrk options]: REPEATS rounds of wrk_run (or of RUN,
# a function called as wrk_run is) against every server of SERVERS_ORDER
# (PORT[server]) on PATH, each round in a rotated order so that a drift of
# the machine's speed favours none; each run's line goes to
# $TMP/runs.NAME.SERVER.
rounds() {
	local name=$1 path=$2 n=${#SERVERS_ORDER[@]} rep srv r
	local -a order
	shift 2
	for srv in "${SERVERS_ORDER[@]}"; do
		: >"$TMP/runs.$name.$srv"
	done
	for rep in $(seq 1 "$REPEATS"); do
		order=("${SERVERS_ORDER[@]:$((rep % n))}" \
		    "${SERVERS_ORDER[@]:0:$((rep % n))}")
		for srv in "${order[@]}"; do
			r=$("${RUN:-wrk_run}" "$DURATION" "${PORT[$srv]}" \
			    "$path" "$@")
			echo "$r" >>"$TMP/runs.$name.$srv"
			say "$name $srv run $rep/$REPEATS: $r (req/s p50 p99 errors)"
		done
	done
}

# fairness SERVER...: $TMP/fairclient (bench/fairclient.c), 50 keep-alive
# connections for FAIR_SECS s, REPEATS runs against each server's PORT.
# Sets FAIR[SERVER] to "median (min–max), connections served nothing: N"
# and FAIR[SERVER,m] to the median min/max ratio; the caller declares
# FAIR with declare -A.
fairness() {
	local srv rep line m lo hi z
	for srv in "$@"; do
		: >"$TMP/fair.$srv"
		for rep in $(seq 1 "$REPEATS"); do
			line=$(timeout $((FAIR_SECS + 30)) "$TMP/fairclient" \
			    -c 50 -d "$FAIR_SECS" "127.0.0.1:${PORT[$srv]}") ||
			    die "fairclient failed: $line"
			echo "$line" | awk '{ for (i = 1; i <= NF; i++) {
			    split($i, kv, "="); v[kv[1]] = kv[2] }
			    print v["ratio"], v["zero"], v["total"] }' \
			    >>"$TMP/fair.$srv"
			say "fairness $srv run $rep/$REPEATS: $line"
		done
		read -r m lo hi < <(awk '{ print $1 }' "$TMP/fair.$srv" | stats)
		read -r z _ _ < <(awk '{ print $2 }' "$TMP/fair.$srv" | stats)
		FAIR[$srv]="$m ($lo–$hi), connections served nothing: $z"
		FAIR[$srv,m]=$m
	done
}

# stats: numbers on stdin, one a line -> "median min max".
stats() {
	sort -g | awk '
	{ a[NR] = $1 }
	END {
		if (NR == 0) { print "0 0 0"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		print m, a[1], a[NR]
	}'
}

# calc EXPRESSION: awk arithmetic, printed with %.4g unless FMT is given.
calc() {
	awk "BEGIN { printf \"${2:-%.4g}\", $1 }"
}

ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'
}

# repeat_runs OUTFILE CMD...: run CMD (which prints "req/s p50 p99 errors")
# REPEATS times, one line each into OUTFILE.
repeat_runs() {
	local out=$1 i
	shift
	: >"$out"
	for i in $(seq 1 "$REPEATS"); do
		"$@" >>"$out" || exit 1
		say "  run $i/$REPEATS: $(tail -n 1 "$out")"
	done
}

# summary RUNSFILE: "median min max p50 p99 errors": req/s median and
# range, the medians of p50 and p99, errors summed over the runs.
summary() {
	local m lo hi p50 p99 err
	read -r m lo hi < <(awk '{ print $1 }' "$1" | stats)
	read -r p50 _ _ < <(awk '{ print $2 }' "$1" | stats)
	read -r p99 _ _ < <(awk '{ print $3 }' "$1" | stats)
	err=$(awk '{ e += $4 } END { print e + 0 }' "$1")
	echo "$m $lo $hi $p50 $p99 $err"
}

# --- results ----------------------------------------------------------------

# row CONFIG SERVER RPS RPS_MIN RPS_MAX P50 P99 ERRORS RSS_KB PSS_KB RATIO
#     [NOTE]: one line of the suite's table ("-" where a figure does not
# apply).  RATIO is against the suite's reference, named by REFERENCE.
row() {
	local IFS=$'\t'
	echo "$*" >>"$TMP/rows"
}

# goal NAME PASS|MISS TEXT...
goal() {
	echo "$2 $1: ${*:3}" >>"$TMP/goals"
	say "$2 $1: ${*:3}"
}

# note TEXT...: a paragraph (Markdown) under the table.
note() {
	printf '%s\n\n' "$*" >>"$TMP/notes"
}

# bench_init NAME TITLE: temporary directory, traps, the machine line.
bench_init() {
	SUITE=$1
	TITLE=$2
	[[ $DURATION =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] ||
	    die "BENCH_DURATION must be a whole number of seconds"
	[[ $REPEATS =~ ^[0-9]+$ ]] && [ "$REPEATS" -ge 1 ] ||
	    die "BENCH_REPEATS must be a whole number"
	trap bench_cleanup EXIT
	trap 'echo "bench/$SUITE: interrupted" >&2; exit 130' INT
	trap 'exit 143' TERM
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolserve-bench.XXXXXX") ||
	    die "cannot make a temporary directory"
	[ -x "$POOLSERVE" ] ||
	    die "$POOLSERVE not found: build it first (make poolserve)"
	: >"$TMP/rows"; : >"$TMP/goals"; : >"$TMP/notes"
	DAY=$(date -u '+%Y-%m-%d')
	MACHINE="$(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' \
	    /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.0f GiB", \
	    $2 / 1048576 }' /proc/meminfo), Linux $(uname -r),\
 $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d ' ' -f 1-3 /proc/loadavg)"
	say "$SUITE: $MACHINE"
	say "$("$POOLSERVE" --version 2>&1 | head -n 1)"
}

# bench_finish: write <date>-SUITE.md (machine, table, notes, goals),
# .csv (the table's figures) and .png (PLOT_WHAT, "rps" or "rss", one bar
# per row), print the Markdown, and exit 0.
bench_finish() {
	local base=$RESULTS/$DAY-$SUITE md csv
	mkdir -p "$RESULTS" || die "cannot make $RESULTS"
	md=$TMP/report.md csv=$TMP/report.csv
	{
		echo "# $TITLE"
		echo
		echo "$MACHINE."
		echo "$("$POOLSERVE" --version 2>&1 | head -n 1)." \
		    "Reference: $REFERENCE.  $SETUP"
		echo
		echo "| configuration | server | req/s median (min–max) | p50 | p99 | errors | RSS total | PSS total | ratio to reference | notes |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		awk -F'\t' '
		function num(v, f) { return v == "-" ? "–" : sprintf(f, v) }
		function ms(v) {
			if (v == "-") return "–"
			return v >= 100 ? sprintf("%.0f ms", v) : sprintf("%.2f ms", v)
		}
		function mb(v) { return v == "-" ? "–" : sprintf("%.1f MB", v / 1024) }
		{
			rps = $3 == "-" ? "–" : ($4 == "-" ? num($3, "%.1f") : \
			    sprintf("%s (%s–%s)", num($3, "%.1f"), num($4, "%.1f"), \
			    num($5, "%.1f")))
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			    $1, $2, rps, ms($6), ms($7), $8 == "-" ? "–" : $8,
			    mb($9), mb($10),
			    $11 == "-" ? "–" : $11 "x", $12
		}' "$TMP/rows"
		echo
		cat "$TMP/notes"
		if [ -s "$TMP/goals" ]; then
			echo '```'
			cat "$TMP/goals"
			echo '```'
		fi
	} >"$md"
	{
		echo "suite,configuration,server,rps_median,rps_min,rps_max,p50_ms,p99_ms,errors,rss_kb,pss_kb,ratio,notes"
		awk -F'\t' -v s="$SUITE" '{
			line = s
			for (i = 1; i <= 12; i++) {
				v = $i; gsub(/"/, "\"\"", v)
				line = line "," (v ~ /[,"]/ ? "\"" v "\"" : v)
			}
			print line
		}' "$TMP/rows"
		awk -v s="$SUITE" '{ v = $0; sub(/^[A-Z]+ /, "", v);
		    gsub(/"/, "\"\"", v);
		    printf "%s,goal,%s,,,,,,,,,,\"%s\"\n", s, $1, v }' "$TMP/goals"
	} >"$csv"
	plot "$TMP/rows" "$TMP/plot.png"
	cp "$md" "$base.md.tmp" && mv "$base.md.tmp" "$base.md" &&
	    cp "$csv" "$base.csv.tmp" && mv "$base.csv.tmp" "$base.csv" ||
	    die "cannot write the results in $RESULTS"
	if [ -s "$TMP/plot.png" ]; then
		mv "$TMP/plot.png" "$base.png"
	fi
	cat "$md"
	say "written: $base.md, .csv$([ -s "$base.png" ] && echo " and .png")"
	exit 0
}

# plot ROWS PNG: bars, one per row: req/s median with the min-max as an
# error bar (PLOT_WHAT=rps), or RSS and PSS in MB (PLOT_WHAT=rss).
plot() {
	local data=$TMP/plot.dat
	[ -n "${PLOT_WHAT:-}" ] || return 0
	command -v gnuplot >/dev/null 2>&1 || return 0
	awk -F'\t' -v w="$PLOT_WHAT" '{
		if (w == "rps" && $3 != "-")
			print "\"" $2 "\\n" $1 "\"", $3, $4, $5
		else if (w == "rss" && $9 != "-")
			print "\"" $2 "\\n" $1 "\"", $9 / 1024, $10 / 1024
	}' "$1" >"$data"
	[ -s "$data" ] || return 0
	{
		echo "set terminal pngcairo size 1000,560 noenhanced font ',9'" 2>/dev/null
		echo "set output '$2'"
		echo "set title '$TITLE ($DAY)'"
		echo "set style fill solid 0.6 border -1"
		echo "set grid ytics"
		echo "set yrange [0:*]"
		echo "set xtics rotate by -30 left"
		echo "set key top right"
		if [ "$PLOT_WHAT" = rps ]; then
			echo "set ylabel 'req/s (median, bar: min-max)'"
			echo "set style data histogram"
			echo "set style histogram errorbars gap 1 lw 1"
			echo "plot '$data' using 2:3:4:xtic(1) title 'req/s'"
		else
			echo "set ylabel 'MB, summed over master and workers'"
			echo "set style data histogram"
			echo "set style histogram clustered gap 1"
			echo "plot '$data' using 2:xtic(1) title 'RSS', '' using 3 title 'PSS'"
		fi
	} >"$TMP/plot.gp"
	# pngcairo may be missing from gnuplot-nox: fall back to png.
	if ! gnuplot "$TMP/plot.gp" 2>"$TMP/plot.err"; then
		sed -i 's/^set terminal pngcairo/set terminal png/' "$TMP/plot.gp"
		gnuplot "$TMP/plot.gp" 2>>"$TMP/plot.err" ||
		    say "gnuplot failed: $(cat "$TMP/plot.err")"
	fi
}
