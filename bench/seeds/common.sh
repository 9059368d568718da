# Shared by the bench/seeds/NNN-*.sh scripts: installing what is missing,
# free loopback ports, servers started in their own process group and
# always stopped, the load lock, and the report file.
# shellcheck shell=bash

set -eu

SEEDS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(cd "$SEEDS_DIR/.." && pwd)
TOP_DIR=$(cd "$BENCH_DIR/.." && pwd)
APPS=$SEEDS_DIR/apps
# free_port and poolserve_start are the tests' (tests/start.sh); here
# poolserve runs in its own process group like every other server of a
# seed (the whole group is stopped) and is waited for as long as a
# Python application takes to import.
# shellcheck source=../../tests/start.sh
. "$TOP_DIR/tests/start.sh"
# the applications run on Debian's Python and its packages
# shellcheck disable=SC2034
PY=/usr/bin/python3
: "${POOLSERVE:=$TOP_DIR/poolserve}"
# RESULTS given by the caller is used as it is; otherwise a full run (the
# seed's figures) writes to bench/results/seeds and a quick run (report
# NNN quick) to a scratch directory, never over the committed reports
RESULTS_GIVEN=${RESULTS:+1}
: "${RESULTS:=$BENCH_DIR/results/seeds}"
: "${QUICK_RESULTS:=${TMPDIR:-/tmp}/poolserve-seeds-quick}"
LOCK=/tmp/poolserve-load.lock
TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolserve-seed.XXXXXX")
GROUPS_STARTED=()
# RAW: the directory beside the report that keeps the tools' raw output
# and every server's log ($RESULTS/NNN/, set by report); until then $TMP
RAW=
LOGNO=0
# the CPU share others may use before a report calls the machine busy
: "${SEED_BUSY_PCT:=25}"

seed_cleanup() {
	local g
	for g in "${GROUPS_STARTED[@]}"; do
		kill -INT -- "-$g" 2>/dev/null || true
	done
	sleep 0.3
	for g in "${GROUPS_STARTED[@]}"; do
		kill -KILL -- "-$g" 2>/dev/null || true
	done
	for g in "${GROUPS_STARTED[@]}"; do
		wait "$g" 2>/dev/null || true
	done
	raw_keep
	rm -rf "$TMP"
	# let tee write the end of the report
	if [ -n "${TEE_PID:-}" ]; then
		exec >&-
		wait "$TEE_PID" 2>/dev/null || true
	fi
}
trap seed_cleanup EXIT
trap 'exit 1' INT TERM HUP

# note: progress on standard error
note() {
	echo "# $*" >&2
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# need_pkgs PACKAGE...: apt-get install the Debian packages not installed
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "${0##*/}: needs ${missing[*]} (apt-get install -y ...)" >&2
		exit 77
	fi
	note "installing ${missing[*]}"
	apt-get install -y -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null 2>&1 ||
	    { apt-get update >/dev/null 2>&1 &&
	      apt-get install -y -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null; } ||
	    { echo "${0##*/}: cannot install ${missing[*]}" >&2; exit 77; }
}

need_poolserve() {
	[ -x "$POOLSERVE" ] ||
	    die "no poolserve at $POOLSERVE (build it, or set POOLSERVE)"
}

# wait_port PORT [SECONDS]: until something listens on 127.0.0.1:PORT
wait_port() {
	local i n=$((${2:-15} * 10))
	for i in $(seq 1 "$n"); do
		ss -Hlnt "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.1
	done
	die "nothing listens on port $1 after ${2:-15} s"
}

# start NAME COMMAND...: run COMMAND in its own process group (output to
# $TMP/NAME.log); sets SPID, the group to stop.  The lock's descriptors (3
# from flock(1), 9 from lock_hold) are not passed on: a server must never
# keep the load lock.
start() {
	local name=$1
	shift
	log_keep "$name"
	printf '# %s\n' "$*" >"$TMP/$name.log"
	in_group "$@" >>"$TMP/$name.log" 2>&1 &
	SPID=$!
	GROUPS_STARTED+=("$SPID")
}

# in_group COMMAND...: exec COMMAND as the leader of a new process group
# (its pid stays the caller's), without the lock's descriptors
in_group() {
	exec setsid "$@" 3>&- 9>&-
}

# poolserve_group NAME SECONDS COMMAND...: start(NAME) for poolserve (the
# COMMAND may start with env), through the tests' poolserve_start, waiting
# up to SECONDS for every worker to be ready; dies with the log's end when
# poolserve exits or is not ready by then
poolserve_group() {
	local name=$1 secs=$2 ok=0
	shift 2
	log_keep "$name"
	printf '# %s\n' "$*" >"$TMP/$name.log"
	POOLSERVE_START_WAIT=$secs poolserve_start "$TMP/$name.log" \
	    "$TMP/$name.log" in_group "$@" || ok=$?
	SPID=$POOLSERVE_PID
	GROUPS_STARTED+=("$SPID")
	[ "$ok" = 0 ] || die "poolserve did not start: $(tail -n 3 "$TMP/$name.log")"
}

# stop_group PGID: SIGINT, then SIGKILL after 3 s, the whole group
stop_group() {
	local g=$1 i
	kill -INT -- "-$g" 2>/dev/null || return 0
	for i in $(seq 1 30); do
		kill -0 -- "-$g" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$g" 2>/dev/null || true
	wait "$g" 2>/dev/null || true
}

# log_keep NAME: the log of an earlier server called NAME goes to $RAW
# (numbered in start order) before a new one takes its place
log_keep() {
	[ -n "$RAW" ] && [ -f "$TMP/$1.log" ] || return 0
	LOGNO=$((LOGNO + 1))
	raw_copy "$TMP/$1.log" "$RAW/$(printf '%02d' "$LOGNO")-$1.log"
	rm -f "$TMP/$1.log"
}

# raw_copy FROM TO: a copy, cut to its first and last 300 lines when
# longer than 2000 (access logs of wrk runs; not JMeter's results and
# the timelines), gzipped (TO.gz) when over 16 KiB
raw_copy() {
	local n
	n=$(wc -l <"$1")
	case $1 in
	*.jtl|*.csv) n=0 ;;
	esac
	if [ "$n" -gt 2000 ]; then
		{ head -n 300 "$1"
		  echo "[... $((n - 600)) of $n lines cut ...]"
		  tail -n 300 "$1"; } >"$2"
	else
		cp "$1" "$2"
	fi
	[ "$(stat -c %s "$2")" -le 16384 ] || gzip -f -9 "$2"
}

# raw_keep: at exit, the server logs still in $TMP and every other file
# the run left there (tool output, JTLs, timelines) go to $RAW
raw_keep() {
	[ -n "$RAW" ] && [ -d "$RAW" ] || return 0
	local f
	for f in "$TMP"/*.log; do
		[ -f "$f" ] || continue
		LOGNO=$((LOGNO + 1))
		raw_copy "$f" "$RAW/$(printf '%02d' "$LOGNO")-$(basename "$f")"
		rm -f "$f"
	done
	for f in "$TMP"/*; do
		[ -e "$f" ] || continue
		if [ -d "$f" ]; then
			mkdir -p "$RAW/$(basename "$f")"
			for g in "$f"/*; do
				[ -f "$g" ] && raw_copy "$g" "$RAW/$(basename "$f")/$(basename "$g")"
			done
		else
			raw_copy "$f" "$RAW/$(basename "$f")"
		fi
	done
}

# wsgi_opts DIR MODULE: poolserve's options that run the seed's
# application MODULE (module:callable) from bench/seeds/apps/DIR, the
# very file the seed's own server runs
wsgi_opts() {
	echo --pythonpath "$APPS/$1" --wsgi "$2"
}

# start_poolserve PORT [OPTIONS...]: sets SPID, waits for every worker
# (a WSGI worker is ready once it has imported the application)
start_poolserve() {
	local port=$1
	shift
	# shellcheck disable=SC2046  # root_opt is words
	poolserve_group poolserve 60 "$POOLSERVE" --http "127.0.0.1:$port" \
	    --disable-logging $(root_opt) "$@"
}

# gunicorn_start DIR PORT ARGS...: gunicorn ARGS with the seed's
# application directory bench/seeds/apps/DIR as its working directory
# and -b 127.0.0.1:PORT added in front (the seed's bind is replaced by
# a free loopback port)
gunicorn_start() {
	local dir=$1 port=$2
	shift 2
	start gunicorn gunicorn --chdir "$APPS/$dir" -b "127.0.0.1:$port" "$@"
	wait_port "$port" 20
	wait_booted "$TMP/gunicorn.log" "$@"
}

# wait_booted LOG ARGS...: until gunicorn's (or hypercorn's) log shows
# the workers of ARGS (-w N, --workers=N; default 1) booted, then 2 s
# more for each to import the application: on a busy machine a load
# started at once meets fewer workers than the command asked for
wait_booted() {
	local log=$1 w=1 prev='' a i
	shift
	for a in "$@"; do
		case $a in
		--workers=*) w=${a#--workers=} ;;
		*) [ "$prev" = -w ] || [ "$prev" = --workers ] && w=$a ;;
		esac
		prev=$a
	done
	for i in $(seq 1 200); do
		[ "$(grep -cE 'Booting worker|Running on' "$log" 2>/dev/null)" -ge "$w" ] && break
		sleep 0.1
	done
	sleep 2
}

# load COMMAND...: a load phase, one at a time across the machine
# (SEED_LOCK_HELD=1: the caller, e.g. bench/seeds/all.sh, holds the lock).  After
# SEED_LOCK_WAIT seconds (default 900) without the lock it runs anyway and
# says so on standard error and in $TMP/unlocked (the report notes it).
load() {
	[ "${SEED_LOCK_HELD:-}" = 1 ] && { "$@"; return; }
	local rc=0 wait=${SEED_LOCK_WAIT:-900}
	# once the lock was found stuck, later phases wait only briefly
	[ -s "$TMP/unlocked" ] && wait=5
	flock -w "$wait" -E 75 "$LOCK" "$@" || rc=$?
	if [ $rc -eq 75 ]; then
		note "load lock $LOCK busy for ${SEED_LOCK_WAIT:-900} s; running unlocked: $*"
		echo "$*" >>"$TMP/unlocked"
		rc=0
		"$@" || rc=$?
	fi
	return $rc
}

# lock_hold / lock_release: hold the load lock across a phase made of
# several background commands (fd 9, which start() does not pass on, so
# a server that outlives the script cannot keep the lock).
lock_hold() {
	[ "${SEED_LOCK_HELD:-}" = 1 ] && return 0
	local wait=${SEED_LOCK_WAIT:-900}
	[ -s "$TMP/unlocked" ] && wait=5
	exec 9>>"$LOCK"
	if ! flock -w "$wait" 9; then
		note "load lock $LOCK busy for $wait s; running unlocked: $*"
		echo "$*" >>"$TMP/unlocked"
	fi
}

lock_release() {
	[ "${SEED_LOCK_HELD:-}" = 1 ] && return 0
	flock -u 9 2>/dev/null || true
	exec 9>&-
}

# lock_note: a line for the report when some load ran without the lock
lock_note() {
	[ -s "$TMP/unlocked" ] || return 0
	echo
	echo "Note: $(wc -l <"$TMP/unlocked") load phase(s) ran without $LOCK (held longer than ${SEED_LOCK_WAIT:-900} s); other loads may have overlapped."
}

# report NNN [quick]: from here on, standard output also goes to the
# report, $RESULTS/NNN.md; a quick run goes to $QUICK_RESULTS unless the
# caller set RESULTS
report() {
	if [ "${2:-}" = quick ] && [ -z "$RESULTS_GIVEN" ]; then
		RESULTS=$QUICK_RESULTS
		note "quick run: the report goes to $RESULTS/$1.md, not bench/results/seeds"
	fi
	mkdir -p "$RESULTS"
	REPORT=$RESULTS/$1.md
	RAW=$RESULTS/$1
	rm -rf "$RAW"
	mkdir -p "$RAW"
	exec > >(tee "$REPORT")
	TEE_PID=$!
}

# cpu_busy [SECONDS]: the percentage of all CPUs busy over SECONDS
# (default 3) from /proc/stat: what others use while this script runs
# nothing
cpu_busy() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep "${1:-3}"
	b=$(head -n 1 /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {
		split(a, x); split(b, y); tot = 0; idle = 0
		for (i = 2; i <= 9; i++) tot += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%d", (tot > 0 ? 100 * (tot - idle) / tot + 0.5 : 0)
	}'
}

# machine_line: the machine, the time, and how busy others keep it just
# before the run; SEED_REQUIRE_IDLE=1 refuses a busy machine (exit 75),
# otherwise the report is marked
machine_line() {
	local busy
	busy=$(cpu_busy 3)
	IDLE_START=$busy
	echo "Recorded $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, Linux $(uname -r); $("$POOLSERVE" --version 2>&1 | head -n 1)."
	echo "Before the run: load average $(cut -d' ' -f1-3 /proc/loadavg), CPUs ${busy}% busy over 3 s with nothing of this script running."
	if [ "$busy" -gt "$SEED_BUSY_PCT" ]; then
		if [ "${SEED_REQUIRE_IDLE:-}" = 1 ]; then
			echo "Refused: the machine is not idle (${busy}% > ${SEED_BUSY_PCT}%)."
			echo "${0##*/}: refused: the machine is not idle (${busy}% > ${SEED_BUSY_PCT}%)" >&2
			exit 75
		fi
		echo "**Not idle**: others kept the CPUs ${busy}% busy (more than ${SEED_BUSY_PCT}%); figures that need CPU (latency, req/s under wrk) are lower than on an idle machine."
	fi
}

# machine_end: the same figures after the run, its servers stopped
machine_end() {
	local busy
	busy=$(cpu_busy 3)
	echo
	echo "After the run: load average $(cut -d' ' -f1-3 /proc/loadavg), CPUs ${busy}% busy over 3 s (others)."
	if [ "$busy" -gt "$SEED_BUSY_PCT" ] && [ "${IDLE_START:-0}" -le "$SEED_BUSY_PCT" ]; then
		echo "**Not idle** at the end: another load started during the run."
	fi
	echo "Raw tool output and server logs: \`${RAW#"$TOP_DIR"/}/\`."
}

# hey_run NAME N C URL [hey options]: "req/s total average slowest
# fastest non-2xx+errors" of one hey run, `hey -n N -c C [options] URL`
# as the seed wrote it; hey's output is kept as $TMP/hey-NAME.txt, the
# run bounded by timeout(1) (120 s)
hey_run() {
	local name=$1 n=$2 c=$3 url=$4 out
	shift 4
	out=$(load timeout 120 hey -n "$n" -c "$c" "$@" "$url" 2>&1) || true
	printf '# hey -n %s -c %s %s %s\n%s\n' "$n" "$c" "$*" "$url" "$out" \
	    >"$TMP/hey-$name.txt"
	awk -v n="$n" '
	/Requests\/sec:/ { rps = $2 }
	/Total:/ && total == "" { total = $2 }
	/Average:/ && avg == "" { avg = $2 }
	/Slowest:/ { slow = $2 }
	/Fastest:/ { fast = $2 }
	/Status code distribution:/ { codes = 1; next }
	/Error distribution:/ { codes = 0 }
	codes && $1 ~ /^\[2[0-9][0-9]\]$/ { ok += $2 }
	END { if (rps == "") { print "- - - - - " n; exit }
	      printf "%s %s %s %s %s %d\n", rps, total, avg, slow, fast, n - ok }
	' <<<"$out"
}

# ab_run NAME N C URL [ab options]: "req/s total_s mean_ms p50 p99 max
# failed non2xx" of `ab -n N -c C [options] -g NAME.tsv URL`, the seed's
# command plus -g (ab's per-request timings, $TMP/ab-NAME.tsv; it does
# not change the load); ab's output is kept as $TMP/ab-NAME.txt, the
# run bounded by timeout(1) (SEED_AB_TIMEOUT, default 600 s)
ab_run() {
	local name=$1 n=$2 c=$3 url=$4 out
	shift 4
	out=$(load timeout "${SEED_AB_TIMEOUT:-600}" ab -n "$n" -c "$c" "$@" \
	    -g "$TMP/ab-$name.tsv" "$url" 2>&1) || true
	printf '# ab -n %s -c %s %s %s\n%s\n' "$n" "$c" "$*" "$url" "$out" \
	    >"$TMP/ab-$name.txt"
	if ! grep -q '^Requests per second:' <<<"$out"; then
		# ab gave up: its last line says why
		echo "- - - - - - ab: $(tail -n 1 <<<"$out")"
		return 0
	fi
	awk '
	/^Requests per second:/ { rps = $4 }
	/^Time taken for tests:/ { total = $5 }
	/^Time per request:/ && mean == "" { mean = $4 }
	/^Failed requests:/ { failed = $3 }
	/^Non-2xx responses:/ { non2xx = $3 }
	/^  50%/ { p50 = $2 }
	/^  99%/ { p99 = $2 }
	/^ 100%/ { pmax = $2 }
	END { printf "%s %s %s %s %s %s %s %s\n", rps, total, mean, p50, p99, pmax,
	      failed == "" ? "?" : failed, non2xx == "" ? 0 : non2xx }
	' <<<"$out"
}

# ab_failures NAME: ab's breakdown of its failed requests ("Connect: 0,
# Receive: 0, Length: 1, Exceptions: 0"), empty when none failed
ab_failures() {
	sed -n 's/^   *(\(Connect.*\))$/\1/p' "$TMP/ab-$1.txt" 2>/dev/null | head -n 1
}

# ab_rounds NAME SECONDS: how ab started its requests, from -g's start
# times (whole seconds): "1@0 100@10 100@20 ..." = how many requests
# started at each offset from the first, grouped to multiples of SECONDS
ab_rounds() {
	[ -s "$TMP/ab-$1.tsv" ] || { echo "-"; return 0; }
	awk -F'\t' -v s="$2" 'NR > 1 { t[NR] = $2; if (t0 == "" || $2 < t0) t0 = $2 }
	END {
		for (i in t) { k = int((t[i] - t0) / s + 0.5); c[k]++; if (k > m) m = k }
		for (k = 0; k <= m; k++) if (c[k]) printf "%s%d@%d", (o++ ? " " : ""), c[k], k * s
		print ""
	}' "$TMP/ab-$1.tsv"
}

# ab_row LABEL FIGURES: a table row, failed = ab's failed + non-2xx
ab_row() {
	local failed
	local label=$1 f
	shift
	# shellcheck disable=SC2048,SC2086
	set -- $*
	f=("$@")
	case ${7:-?} in
	[0-9]*) failed=$(($7 + ${8:-0})) ;;
	*) shift 6; failed="$*" ;;
	esac
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "${f[0]}" \
	    "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}" "${f[5]}" "$failed"
}

# As root poolserve wants --user or --allow-root; the servers it is
# compared with run as the current user too.
root_opt() {
	[ "$(id -u)" = 0 ] && echo --allow-root
}

# in_progress_log LOG: the seed 004 app's "processing" lines without their
# "done" line.  Threads print to one file and two lines may run into one,
# so the phrases are counted, not the lines.
in_progress_log() {
	local p d
	p=$(grep -o 'processing request id' "$1" | wc -l)
	d=$(grep -o 'done request id' "$1" | wc -l)
	echo $((p - d))
}

# group_sum PGID DIR: the entries of /proc/PID/DIR summed over every
# process of the group (task: threads, fd: open files)
group_sum() {
	local t=0 pid
	for pid in $(pgrep -g "$1"); do
		t=$((t + $(ls "/proc/$pid/$2" 2>/dev/null | wc -l)))
	done
	echo "$t"
}

threads_of() {
	group_sum "$1" task
}

# snapshot PORT PGID: the counts both 004 scripts take at the snapshot,
# into the caller's estab recvq sendq synsent inprog threads procs fds
snapshot() {
	estab=$(ss -Hnt state established "( sport = :$1 )" | wc -l)
	read -r recvq sendq < <(ss -Hlnt "sport = :$1" | awk '{print $2, $3; exit}')
	synsent=$(ss -Hnt state syn-sent "( dport = :$1 )" | wc -l)
	inprog=$(in_progress_log "$TMP/server.log")
	threads=$(group_sum "$2" task)
	procs=$(procs_of "$2")
	fds=$(group_sum "$2" fd)
}

# procs_of PGID: the processes of the group
procs_of() {
	pgrep -g "$1" | wc -l
}

# jmeter_stop PGID: tell the JMeter started as "jmeter" (its output in
# $TMP/jmeter.log) to stop at once (StopTestNow on the UDP port it
# printed), give it 30 s, then stop its group
jmeter_stop() {
	local udp
	udp=$(sed -n 's/.*shutdown message on port \([0-9]*\).*/\1/p' \
	    "$TMP/jmeter.log" | head -n 1)
	if [ -n "$udp" ]; then
		python3 -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"StopTestNow", ("127.0.0.1", int(sys.argv[1])))' "$udp"
	fi
	for _ in $(seq 1 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	stop_group "$1"
}
