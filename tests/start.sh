# Start poolserve and wait until it serves: the one way the tests
# (tests/lib.sh), the benchmarks (bench/lib.sh), the soak (bench/soak/run)
# and the seed experiments (bench/seeds/common.sh) do it.  Sourced; bash.
# shellcheck shell=bash

# poolserve_start LOG OUT COMMAND...: run COMMAND (poolserve and its
# options, with --http 127.0.0.1:0 or a port of the caller's) in the
# background, standard output to OUT and standard error to LOG; when OUT
# is LOG, both are appended to it.  COMMAND may start with env, or with
# a function that execs poolserve (the seeds' in_group), as long as its
# process stays poolserve's.  Sets POOLSERVE_PID at once and
# POOLSERVE_PORT (the port of the "listening on 127.0.0.1:" line) once
# every worker (--processes N, 1 by default) has logged "ready".  Returns
# 0, or 1 when poolserve exited or was not ready within
# POOLSERVE_START_WAIT seconds (10 by default; an application that
# imports for long needs more), POOLSERVE_PORT then empty.
poolserve_start() {
	local log=$1 out=$2 procs=1 prev='' i
	shift 2
	for i in "$@"; do
		[ "$prev" = --processes ] && procs=$i
		prev=$i
	done
	if [ "$out" = "$log" ]; then
		"$@" >>"$log" 2>&1 &
	else
		"$@" >"$out" 2>"$log" &
	fi
	POOLSERVE_PID=$!
	POOLSERVE_PORT=
	for i in $(seq 1 $((${POOLSERVE_START_WAIT:-10} * 10))); do
		if [ "$(grep -c ' ready: ' "$log" 2>/dev/null)" -ge "$procs" ]; then
			POOLSERVE_PORT=$(sed -n \
			    's/.*listening on 127\.0\.0\.1:\([0-9]*\)[:, ].*/\1/p' \
			    "$log" | head -n 1)
			[ -n "$POOLSERVE_PORT" ]
			return
		fi
		kill -0 "$POOLSERVE_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# free_port: a loopback TCP port free at this moment (for --stats and
# other listeners that cannot take port 0).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
