# Shared by the bench/seeds/NNN-*.sh scripts: installing what is missing,
# free loopback ports, servers started in their own process group and
# always stopped, the load lock, and the report file.
# shellcheck shell=bash

set -eu

SEEDS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(cd "$SEEDS_DIR/.." && pwd)
TOP_DIR=$(cd "$BENCH_DIR/.." && pwd)
APPS=$SEEDS_DIR/apps
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
# poolserve's options that run the seeds' Flask application, the very
# module (apps/flask_app.py) gunicorn, uWSGI and werkzeug run
# shellcheck disable=SC2034
FLASK_WSGI=(--pythonpath "$APPS" --wsgi flask_app:app)
LOCK=/tmp/poolserve-load.lock
TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolserve-seed.XXXXXX")
GROUPS_STARTED=()

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

# free_port: a TCP port nothing listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
	setsid "$@" >"$TMP/$name.log" 2>&1 3>&- 9>&- &
	SPID=$!
	GROUPS_STARTED+=("$SPID")
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

# wait_ready LOG PROCS PID [SECONDS]: until poolserve's log has a "ready"
# line for each of its PROCS workers (a WSGI worker is ready once it has
# imported the application)
wait_ready() {
	local log=$1 procs=$2 pid=$3 i
	for i in $(seq 1 $((${4:-60} * 10))); do
		[ "$(grep -c ' ready: ' "$log" 2>/dev/null)" -ge "$procs" ] &&
		    return 0
		kill -0 "$pid" 2>/dev/null ||
		    die "poolserve exited: $(tail -n 3 "$log")"
		sleep 0.1
	done
	die "poolserve did not start: $(tail -n 3 "$log")"
}

# start_poolserve PORT [OPTIONS...]: sets SPID, waits for every worker
start_poolserve() {
	local port=$1 procs=1 prev='' i
	shift
	for i in "$@"; do
		[ "$prev" = --processes ] && procs=$i
		prev=$i
	done
	start poolserve "$POOLSERVE" --http "127.0.0.1:$port" --disable-logging \
	    $(root_opt) "$@"
	wait_ready "$TMP/poolserve.log" "$procs" "$SPID" 60
}

# gunicorn_start PORT ARGS...: gunicorn on 127.0.0.1:PORT, apps in $APPS
gunicorn_start() {
	local port=$1
	shift
	start gunicorn gunicorn --chdir "$APPS" -b "127.0.0.1:$port" "$@"
	wait_port "$port" 20
	sleep 1            # let every worker boot
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
	exec > >(tee "$REPORT")
	TEE_PID=$!
}

machine_line() {
	echo "Recorded $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); $("$POOLSERVE" --version 2>&1 | head -n 1)."
}

# hey_run N C URL [hey options]: "req/s average slowest non-2xx+errors"
# of one bounded hey run (-n N -c C, at most 60 s per request)
hey_run() {
	local n=$1 c=$2 url=$3 out
	shift 3
	out=$(load hey -n "$n" -c "$c" -t 60 "$@" "$url") || true
	printf '%s\n' "$out" >>"$TMP/hey.log"
	awk -v n="$n" '
	/Requests\/sec:/ { rps = $2 }
	/Average:/ && avg == "" { avg = $2 }
	/Slowest:/ { slow = $2 }
	/Status code distribution:/ { codes = 1; next }
	/Error distribution:/ { codes = 0 }
	codes && $1 ~ /^\[2[0-9][0-9]\]$/ { ok += $2 }
	END { printf "%s %s %s %d\n", rps, avg, slow, n - ok }
	' <<<"$out"
}

# ab_run N C URL [ab options]: "req/s total_s mean_ms p50 p99 max failed
# non2xx" of one bounded ab run (-s 120: no request waits longer; -r: a
# reset connection is counted as failed, not fatal)
ab_run() {
	local n=$1 c=$2 url=$3 out
	shift 3
	out=$(load ab -q -r -n "$n" -c "$c" -s 120 "$@" "$url" 2>&1) || true
	printf '%s\n' "$out" >>"$TMP/ab.log"
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
