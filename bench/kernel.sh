# bench/kernel.sh: what the backlog suites (backoff, c10k) share about the
# kernel: a network namespace of their own, so that the TCP counters they
# report are theirs alone, and those counters.  Sourced after lib.sh.
#
# shellcheck shell=bash

# in_netns "$@": as root with ip(8), run this suite again inside a new
# network namespace (loopback up) and exit with its status; the namespace
# is removed afterwards.  Its TCP counters (nstat) and sysctls
# (net.core.somaxconn, tcp_max_syn_backlog, ...) are its own, so the
# deltas count only this suite's connections, not the machine's other
# work.  Without root or ip, the suite runs here and says that the
# counters are the machine's.  BENCH_NETNS is set inside.
in_netns() {
	local ns rc=0
	[ -n "${BENCH_NETNS:-}" ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
		NETNS_NOTE="the counters are the whole machine's (no network namespace without root and ip(8)), so other work may add to them"
		return 0
	fi
	ns=poolserve-bench-$$
	ip netns add "$ns" || die "cannot make the network namespace $ns"
	ip -n "$ns" link set lo up
	BENCH_NETNS=$ns ip netns exec "$ns" bash "$0" "$@" || rc=$?
	ip netns del "$ns" 2>/dev/null || true
	exit "$rc"
}
NETNS_NOTE="the suite ran in a network namespace of its own (${BENCH_NETNS:-none}), so the counters are its connections' alone"

# The counters of a full accept queue and of SYN retries.
NSTAT_KEYS="TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop TcpExtSyncookiesSent TcpExtTCPAbortOnOverflow TcpExtTCPSynRetrans TcpAttemptFails TcpExtTCPTimeouts"

# nstat_snap FILE: the absolute counters of NSTAT_KEYS into FILE.
nstat_snap() {
	nstat -az 2>/dev/null | awk -v k=" $NSTAT_KEYS " \
	    'index(k, " " $1 " ") { print $1, $2 }' >"$1"
}

# nstat_delta BEFORE AFTER: "Name=delta ..." of the counters that moved
# ("none moved" when none did).
nstat_delta() {
	awk 'NR == FNR { b[$1] = $2; next }
	    { d = $2 - b[$1]; if (d != 0) { sub(/^Tcp(Ext)?/, "", $1);
	    s = s (s == "" ? "" : " ") $1 "=" d } }
	    END { print s == "" ? "none moved" : s }' "$1" "$2"
}

# nstat_get DELTA NAME: one counter's delta from nstat_delta's line (0).
nstat_get() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0
}

# sysctls: the kernel settings that decide what a full backlog does.
sysctls() {
	local k out=
	for k in net.core.somaxconn net.ipv4.tcp_max_syn_backlog \
	    net.ipv4.tcp_syncookies net.ipv4.tcp_abort_on_overflow \
	    net.ipv4.tcp_synack_retries net.ipv4.tcp_syn_retries; do
		out="$out${out:+, }$k $(sysctl -n "$k" 2>/dev/null || echo ?)"
	done
	echo "$out"
}
