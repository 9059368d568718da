# Shared helpers for the integration scripts: start a real poolserve on a
# free loopback port, talk to it, assert, and always clean up.
# shellcheck shell=bash

set -u
: "${POOLSERVE:=$(cd "$(dirname "$0")/.." && pwd)/poolserve}"
: "${TESTS_DIR:=$(cd "$(dirname "$0")" && pwd)}"
CLIENT="python3 $TESTS_DIR/client.py"
# inline scenarios import the one raw HTTP client: import httpc
export PYTHONPATH="$TESTS_DIR${PYTHONPATH:+:$PYTHONPATH}"
. "$TESTS_DIR/start.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/poolserve-test.XXXXXX")

# As root, workers need --user or --allow-root: the tests run them as root
# (they read and write files under $TMP) through a wrapper.  POOLSERVE_BIN
# is the real binary, for the tests of that very check.
POOLSERVE_BIN=$POOLSERVE
if [ "$(id -u)" = 0 ]; then
	printf '#!/bin/sh\nexec "%s" --allow-root "$@"\n' "$POOLSERVE_BIN" \
	    >"$TMP/poolserve"
	chmod +x "$TMP/poolserve"
	POOLSERVE=$TMP/poolserve
fi
PID=
PORT=
NAME=$(basename "$0" .sh)

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	# anything the test started in the background
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $NAME: $*"
	if [ -f "$TMP/err" ]; then
		echo "--- server error log (last 30 lines)"
		tail -n 30 "$TMP/err"
	fi
	exit 1
}

skip() {
	echo "SKIP: $NAME: $*"
	exit 77
}

ok() {
	echo "ok - $*"
}

need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

need curl python3 ss

# start_server [options...]: poolserve on 127.0.0.1, a free port; sets PID
# (the master) and PORT, waits until every worker is ready.
start_server() {
	if poolserve_start "$TMP/err" "$TMP/out" "$POOLSERVE" \
	    --http 127.0.0.1:0 "$@"; then
		PID=$POOLSERVE_PID PORT=$POOLSERVE_PORT
		return 0
	fi
	PID=$POOLSERVE_PID
	kill -0 "$PID" 2>/dev/null || fail "poolserve exited at start-up"
	grep -q ' ready: ' "$TMP/err" && fail "no port in the start-up log"
	fail "poolserve did not start within 10 s"
}

stop_server() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	local rc=$?
	PID=
	return $rc
}

url() {
	echo "http://127.0.0.1:$PORT$1"
}

# get PATH [curl options]: the body; the status goes to $TMP/status
get() {
	local path=$1
	shift
	curl -s -o "$TMP/body" -w '%{http_code}' --max-time 30 "$@" \
	    "$(url "$path")" >"$TMP/status"
	cat "$TMP/body"
}

status() {
	cat "$TMP/status"
}

# expect_status CODE PATH [curl options]
expect_status() {
	local code=$1 path=$2
	shift 2
	get "$path" "$@" >/dev/null
	[ "$(status)" = "$code" ] ||
	    fail "$path: status $(status), expected $code (body: $(cat "$TMP/body"))"
}

# listen_queue: "RECVQ SENDQ" of the listening socket
listen_queue() {
	ss -Hlnt "sport = :$PORT" | awk '{print $2, $3; exit}'
}

worker_pids() {
	pgrep -P "$PID" | sort
}

# workers_gone PIDS: fail when a pid of the list PIDS still is a worker
workers_gone() {
	local p
	for p in $1; do
		worker_pids | grep -qx "$p" && fail "old worker $p still serves"
	done
	return 0
}

task_count() {
	ls "/proc/$1/task" | wc -l
}

# wait_until SECONDS COMMAND...: poll until the command succeeds
wait_until() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# count of lab-app lines "processing request id[...]" in the error log
processing_count() {
	grep -c 'processing request id\[' "$TMP/err"
}

# listen_queue_is "RECVQ SENDQ": for wait_until
listen_queue_is() {
	[ "$(listen_queue)" = "$1" ]
}

# processing_is N: for wait_until
processing_is() {
	[ "$(processing_count)" = "$1" ]
}

# the most lab requests that were in progress at once, from the error log
max_overlap() {
	$CLIENT --port 0 overlap "$TMP/err"
}

# info_has STRING: /info contains it (for wait_until)
info_has() {
	get /info | grep -qF "$1"
}

# Clients beyond a full accept queue: the kernel dropped their SYN (client
# side SYN-SENT, retrying) or, when the SYN came just before the queue
# filled, the handshake's last ACK (server side SYN-RECV).
syn_retry() {
	echo $(( $(ss -Htn state syn-sent "dport = :$PORT" | wc -l) +
	    $(ss -Htn state syn-recv "sport = :$PORT" | wc -l) ))
}

syn_retry_is() {
	[ "$(syn_retry)" = "$1" ]
}

# rss_kb PID: a process's resident memory in kB
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# download_rss PID PATH: GET PATH to /dev/null while sampling PID's RSS;
# sets RSS_BASE and RSS_MAX (kB), RSS_SAMPLES, and DOWNLOAD ("STATUS
# BYTES" as curl saw them).
download_rss() {
	local pid=$1 path=$2 r dl
	RSS_BASE=$(rss_kb "$pid") RSS_MAX=$(rss_kb "$pid") RSS_SAMPLES=0
	curl -s -o /dev/null -w '%{http_code} %{size_download}' \
	    --max-time 300 "$(url "$path")" >"$TMP/download" &
	dl=$!
	while kill -0 "$dl" 2>/dev/null; do
		r=$(rss_kb "$pid")
		[ -n "$r" ] && [ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
		RSS_SAMPLES=$((RSS_SAMPLES + 1))
		sleep 0.1
	done
	wait "$dl"
	DOWNLOAD=$(cat "$TMP/download")
}

# load_start PATH N M: in the background, N requests for PATH on a
# connection each and M on one keep-alive connection (bounded: 10 s a
# request, 60 s in all for the keep-alive run).  load_check N M PATTERN
# waits for both and fails unless all N were answered 200 and M lines of
# the keep-alive bodies match PATTERN.
load_start() {
	local path=$1 n=$2 m=$3 i urls=()
	(
		for i in $(seq 1 "$n"); do
			curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
			    "$(url "$path")"
		done
	) >"$TMP/load1" &
	LOAD1=$!
	for i in $(seq 1 "$m"); do urls+=("$(url "$path")"); done
	curl -s --max-time 60 "${urls[@]}" >"$TMP/load2" &
	LOAD2=$!
}

load_check() {
	local n=$1 m=$2 got
	wait "$LOAD1" "$LOAD2"
	got=$(grep -c '^200$' "$TMP/load1")
	[ "$got" = "$n" ] ||
	    fail "$((n - got)) of $n requests failed: $(sort "$TMP/load1" | uniq -c)"
	got=$(grep -c "$3" "$TMP/load2")
	[ "$got" = "$m" ] || fail "keep-alive: $got of $m answered"
}

# rss_growth_ok MIB WHAT: after download_rss, fail when the worker's RSS
# grew by MIB MiB or more while it sent WHAT (not held against a run
# under sanitizers, whose shadow memory grows with what is touched)
rss_growth_ok() {
	local growth=$(( (RSS_MAX - RSS_BASE) / 1024 ))
	if [ -n "${POOLSERVE_SANITIZERS:-}" ]; then
		ok "$2 (RSS +$growth MiB, not checked under sanitizers)"
		return
	fi
	[ "$growth" -lt "$1" ] ||
	    fail "RSS grew $growth MiB (from $RSS_BASE kB to $RSS_MAX kB) streaming $2"
	ok "$2: worker RSS $RSS_BASE kB, at most $RSS_MAX kB ($RSS_SAMPLES samples)"
}
