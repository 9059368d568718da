#!/bin/bash
# Seed 001: a route taking 0.25 s behind one gunicorn worker, then four,
# then four with two threads each, and the same route in Quart on
# hypercorn (1 worker, 4 workers, 1 uvloop worker); measured with hey.
#
#   bench/seeds/001-workers-threads-gevent.sh [-q]
#
# Each row prints the seed's published figures beside the seed's own
# command run here (Debian's gunicorn 20.1 with the seed's Flask app,
# apps/001/app.py; Debian's Quart 0.18.3 on hypercorn 0.13 with uvloop
# for apps/001/app-quart.py), poolserve running the same app.py
# (--wsgi app:app) with as many requests at once as the seed's server,
# and poolserve's lab route /?sleep=0.25 (C, no Python, the extra
# column).  The keep-alive check runs the 1-worker load against gunicorn
# and poolserve --threads 1 with and without hey -disable-keepalive.
# About 3 minutes; -q (every hey -n cut to at most 20) writes its report
# to a scratch directory (see common.sh).
. "$(dirname "$0")/common.sh"

quick=
while getopts "q" opt; do
	case $opt in
	q) quick=quick ;;
	*) echo "usage: ${0##*/} [-q]" >&2; exit 64 ;;
	esac
done

need_pkgs gunicorn python3-flask python3-asgiref python3-quart \
    python3-hypercorn python3-uvloop hey
need_poolserve
report 001 $quick

RUN=0

# start_seed PORT COMMAND: the seed's server command (gunicorn ... or
# hypercorn ...) in apps/001, bound to 127.0.0.1:PORT
start_seed() {
	local port=$1 cmd=$2
	case $cmd in
	gunicorn*)
		# shellcheck disable=SC2086
		start seed env -C "$APPS/001" ${cmd/gunicorn /gunicorn -b 127.0.0.1:$port } ;;
	hypercorn*)
		# shellcheck disable=SC2086
		start seed env -C "$APPS/001" $cmd -b "127.0.0.1:$port" ;;
	esac
	wait_port "$port" 20
	# shellcheck disable=SC2086
	wait_booted "$TMP/seed.log" $cmd
}

# conns_start PORT: from now on, every 0.1 s, the established connections
# to PORT with the process holding each (ss -p) into $TMP/conns.log
# (kept beside the report); sets CONNS, the sampler's group
conns_start() {
	# shellcheck disable=SC2016  # $1 is the inner shell's
	start conns bash -c 'while :; do ss -Htnp state established "( sport = :$1 )"; sleep 0.1; done' conns "$1"
	CONNS=$SPID
}

# conns_stop: stop the sampler; prints the connections each server
# process held, the busiest first ("4,2,2,2"): hey's keep-alive
# connections per gunicorn worker
conns_stop() {
	stop_group "$CONNS"
	awk '{ n = split($4, a, ":"); if (match($0, /pid=[0-9]+/))
		seen[substr($0, RSTART + 4, RLENGTH - 4) " " a[n]] = 1 }
	    END { for (k in seen) { split(k, b, " "); c[b[1]]++ }
		for (p in c) print c[p] }' "$TMP/conns.log" |
	    sort -rn | paste -sd, -
}

# cell FIGURES: "req/s / total / avg / slowest" of hey_run's figures
cell() {
	# shellcheck disable=SC2086
	set -- $1
	printf '%s / %s / %s / %s' "$1" "$2" "$3" "$4"
}

# row SEED_FIGURES N C SEED_COMMAND POOLSERVE_OPTIONS: the seed's command,
# poolserve + app.py, poolserve lab, one after the other
row() {
	local seed=$1 n=$2 c=$3 cmd=$4 popts=$5 port g f p
	[ -z "$quick" ] || [ "$n" -le 20 ] || n=20
	RUN=$((RUN + 1))
	port=$(free_port)
	start_seed "$port" "$cmd"
	local seedpid=$SPID
	note "$cmd: hey -n $n -c $c"
	case $cmd in
	*--threads=*) conns_start "$port" ;;
	esac
	g=$(hey_run "$RUN-seed" "$n" "$c" "http://127.0.0.1:$port/")
	case $cmd in
	*--threads=*) ROW_CONNS=$(conns_stop) ROW_FIGS=$g ROW_PER=$((n / c)) ;;
	esac
	stop_group "$seedpid"
	port=$(free_port)
	# shellcheck disable=SC2086,SC2046
	start_poolserve "$port" $popts $(wsgi_opts 001 app:app)
	f=$(hey_run "$RUN-poolserve" "$n" "$c" "http://127.0.0.1:$port/")
	stop_group "$SPID"
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $popts
	p=$(hey_run "$RUN-lab" "$n" "$c" "http://127.0.0.1:$port/?sleep=0.25")
	stop_group "$SPID"
	printf '| `%s` | `hey -n %s -c %s` | %s | %s | %s | `%s` | %s | %s | %s |\n' \
	    "$cmd" "$n" "$c" "$seed" "$(cell "$g")" "${g##* }" "$popts" \
	    "$(cell "$f")" "${f##* }" "$(cell "$p")"
}

echo "# Seed 001: workers, threads and Quart on a 0.25 s route (hey)"
echo
machine_line
[ -z "$quick" ] || echo "Quick run (-q): every hey -n cut to at most 20; figures for a look, not for the record."
echo
echo "Each cell: req/s / total s / average s / slowest s, as hey prints them; err = requests without a 2xx answer.  The seed's command runs the seed's app (\`bench/seeds/apps/001/app.py\`, Flask 2.2 with an async view awaiting 0.25 s; \`app-quart.py\`, Quart); poolserve runs the same app.py (\`--pythonpath bench/seeds/apps/001 --wsgi app:app\` after the options shown); the lab is poolserve's C route \`/?sleep=0.25\` with the same options, no Python."
echo
echo "| seed's command (here) | load | seed (published) | seed's command here | err | poolserve | + app.py | err | lab |"
echo "|---|---|---|---|---|---|---|---|---|"
row "3.9477 / 2.5331 / 1.0131 / 1.2664" 10 5 "gunicorn app:app" "--threads 1"
row "3.9432 / 5.0720 / 1.9652 / 2.5363" 20 10 "gunicorn app:app" "--threads 1"
row "3.9445 / 12.6760 / 2.3071 / 2.5411" 50 10 "gunicorn app:app" "--threads 1"
row "15.1464 / 3.3011 / 0.5891 / 0.7626" 50 10 "gunicorn --workers=4 app:app" "--processes 4 --threads 1"
row "24.5377 / 2.0377 / 0.3268 / 0.5171" 50 10 "gunicorn --workers=4 --threads=2 app:app" "--processes 4 --threads 2"
row "33.7972 / 1.4794 / 0.2950 / 0.3086" 50 10 "hypercorn app-quart:app --workers=1" "--threads 10"
row "34.3206 / 1.4568 / 0.2902 / 0.3000" 50 10 "hypercorn app-quart:app --workers=4" "--processes 4 --threads 10"
row "38.7390 / 1.2907 / 0.2562 / 0.2624" 50 10 "hypercorn app-quart:app --workers=1 --worker-class=uvloop" "--threads 10"

# the keep-alive check: one request at a time, 10 clients, with and
# without keep-alive
kn=50
[ -z "$quick" ] || kn=20
port=$(free_port)
start_seed "$port" "gunicorn app:app"
note "keep-alive check: gunicorn app:app"
ka_g=$(hey_run ka-gunicorn "$kn" 10 "http://127.0.0.1:$port/")
ka_gd=$(hey_run ka-gunicorn-nokeepalive "$kn" 10 "http://127.0.0.1:$port/" -disable-keepalive)
stop_group "$SPID"
port=$(free_port)
# shellcheck disable=SC2046
start_poolserve "$port" --threads 1 $(wsgi_opts 001 app:app)
note "keep-alive check: poolserve --threads 1"
ka_p=$(hey_run ka-poolserve "$kn" 10 "http://127.0.0.1:$port/")
ka_pd=$(hey_run ka-poolserve-nokeepalive "$kn" 10 "http://127.0.0.1:$port/" -disable-keepalive)
stop_group "$SPID"

# gunicorn 4 x 2 again, on one server: SPLIT_RUNS runs with keep-alive
# (hey's default), the split of hey's connections over the workers of
# each, then SPLIT_NKA runs with -disable-keepalive
split_runs=10 split_nka=5
[ -z "$quick" ] || split_runs=3 split_nka=2
port=$(free_port)
start_seed "$port" "gunicorn --workers=4 --threads=2 app:app"
seedpid=$SPID
note "gunicorn 4 x 2: $split_runs runs with keep-alive, $split_nka without"
: >"$TMP/split"
for i in $(seq 1 "$split_runs"); do
	conns_start "$port"
	f=$(hey_run "split-$i" 50 10 "http://127.0.0.1:$port/")
	echo "keep-alive $(conns_stop) $f" >>"$TMP/split"
done
for i in $(seq 1 "$split_nka"); do
	f=$(hey_run "split-nka-$i" 50 10 "http://127.0.0.1:$port/" -disable-keepalive)
	echo "no-keep-alive - $f" >>"$TMP/split"
done
stop_group "$seedpid"

echo
echo "**Keep-alive.**  One request at a time (one sync worker, or poolserve"
echo "--threads 1), \`hey -n $kn -c 10\`, with and without \`-disable-keepalive\`:"
echo
echo "| server | hey | req/s / total / average / slowest | err |"
echo "|---|---|---|---|"
echo "| \`gunicorn app:app\` | keep-alive (hey's default) | $(cell "$ka_g") | ${ka_g##* } |"
echo "| \`gunicorn app:app\` | \`-disable-keepalive\` | $(cell "$ka_gd") | ${ka_gd##* } |"
echo "| \`poolserve --threads 1\` + app.py | keep-alive (hey's default) | $(cell "$ka_p") | ${ka_p##* } |"
echo "| \`poolserve --threads 1\` + app.py | \`-disable-keepalive\` | $(cell "$ka_pd") | ${ka_pd##* } |"
echo
# shellcheck disable=SC2086
set -- $ka_p
p_avg=$3 p_slow=$4
# shellcheck disable=SC2086
set -- $ka_pd
pd_avg=$3 pd_slow=$4
echo "gunicorn's sync worker closes every connection after its answer, so each"
echo "of hey's requests is a new connection queued behind the others in the"
echo "listen backlog, first come first served: the average is the seed's, about"
echo "half the queue's length of waiting.  poolserve keeps the connection open,"
echo "and a client whose answer just came sends its next request on it at once;"
echo "it competes with the connections still waiting to be accepted and often"
echo "wins, so some clients overtake the queue (average $p_avg s, slowest $p_slow s)."
echo "Without keep-alive every request queues as with gunicorn: average $pd_avg s,"
echo "slowest $pd_slow s, the seed's shape."
echo
echo "With 10 clients and 0.25 s per request the ceiling is 40 req/s; one"
echo "request at a time serves 4 req/s, P x T at a time at most 4·P·T (4 x 2:"
echo "32)."
echo "Quart awaits the 0.25 s, so one hypercorn worker runs all 10 clients at"
echo "once; poolserve runs the Flask app on 10 plain threads for the same."
echo
# rounds K [PER]: the 0.25 s rounds a gthread worker holding K of hey's
# keep-alive connections needs for their PER (default 5) requests each
# on 2 threads
rounds() {
	echo $((($1 * ${2:-5} + 1) / 2))
}
# shellcheck disable=SC2086
set -- $ROW_FIGS
row_total=$2
k=${ROW_CONNS%%,*}
echo "**gunicorn --workers=4 --threads=2** (the seed: 24.5377 req/s, total"
echo "2.0377 s, average 0.3268 s; here $(cell "$ROW_FIGS")).  A gthread worker"
echo "accepts every connection it is offered (up to --worker-connections,"
echo "1000), not only as many as it has threads, and a keep-alive connection"
echo "stays with the worker that accepted it.  hey's 10 clients send 5"
echo "requests each (\`-n 50 -c 10\`) through one pool of keep-alive"
echo "connections, a client mostly on the one it used last.  A worker holding"
echo "k of the 10 connections serves about 5k requests on its 2 threads:"
echo "ceil(5k/2) rounds of 0.25 s, and the busiest worker sets the total.  In this run's"
echo "row hey's connections fell ${ROW_CONNS:-?} over the workers (\`ss -p\` every 0.1 s;"
echo "$ROW_PER requests each): $(rounds "${k:-0}" "$ROW_PER") rounds, $(awk -v r="$(rounds "${k:-0}" "$ROW_PER")" 'BEGIN { printf "%.2f", r * 0.25 }') s, against the measured $row_total s.  The seed's"
echo "2.0377 s is 8 rounds, k = 3, and its average 0.3268 s is what 3,3,2,2"
echo "gives (the 3-connection workers answer every 0.375 s, the others every"
echo "0.25 s: 0.325 s; 3,3,3,1 would give 0.36 s).  The same command again on"
echo "one server, $split_runs runs with keep-alive and $split_nka with \`hey -disable-keepalive\`"
echo "(a new connection for every request, so the split is per request):"
echo
echo "| hey | connections per worker | rounds of the busiest | req/s / total / average / slowest | err |"
echo "|---|---|---|---|---|"
while read -r mode split figs; do
	if [ "$split" = - ]; then
		r=-
	else
		r="$(rounds "${split%%,*}") ($(awk -v r="$(rounds "${split%%,*}")" 'BEGIN { printf "%.2f", r * 0.25 }') s)"
	fi
	echo "| $mode | $split | $r | $(cell "$figs") | ${figs##* } |"
done <"$TMP/split"
echo
awk '$1 == "keep-alive" { split($2, k, ","); n++; c[k[1]]++; if (k[1] <= 3) even++
	d = $4 - int((5 * k[1] + 1) / 2) * 0.25
	if (n == 1 || d < lo) lo = d; if (n == 1 || d > hi) hi = d }
    $1 == "no-keep-alive" { m++; if ($4 < 2.2) fast++ }
    END { printf "With keep-alive the busiest worker held 3 connections (the seed'"'"'s split)"
	printf " in %d of %d runs", even, n
	for (i = 4; i <= 10; i++) if (c[i]) printf ", %d in %d", i, c[i]
	printf "; without keep-alive %d of %d runs took under 2.2 s.", fast, m
	printf "  Every keep-alive run took its busiest worker'"'"'s rounds x 0.25 s"
	printf " within %+.2f to %+.2f s.\n", lo, hi }' "$TMP/split"
echo "Every gthread worker polls the shared listening socket and accepts"
echo "what it finds there, so how hey's 10 simultaneous connections split"
echo "depends on which workers run when they arrive; here the split is"
echo "mostly uneven.  The seed's one run drew an even split; whether its"
echo "machine splits evenly as a rule its write-up (one run) cannot say."
echo

echo "Deviations: hey goes to 127.0.0.1:PORT (the seed: localhost:8000), each"
echo "server bound there with -b; the seed's versions (gunicorn 20.1.0, Flask"
echo "2.2.2, Quart 0.18.3) are Debian's too, hypercorn is Debian's 0.13.2."
echo "The seed's app files are not published: app.py is Flask 2.2 \"[async]\""
echo "with a 0.25 s route (an async view awaiting asyncio.sleep), app-quart.py"
echo "the same in Quart."
machine_end
lock_note
