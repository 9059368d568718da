#!/bin/bash
# Seed 003: `wrk -t8 -c200 -d10s --latency` against a hello route and a
# hit counter, Flask on gunicorn's gevent worker against aiohttp on
# gunicorn, 4 workers each, with the seed's command lines
# (`gunicorn -b localhost:5000 --access-logfile - -w 4 -k gevent
# flask_app:app`, `-k aiohttp.GunicornWebWorker aio_app:app`).
#
#   bench/seeds/003-wrk-hello-hit.sh [-q] [-d SECONDS]
#
# The seed's counters INCR a redis key: Flask through redis-py (patched
# by the gevent worker), aiohttp through aioredis 1.x's
# create_redis_pool, here Debian's python3-aioredis 1.3.1, against
# Debian's redis-server started by this script on a free loopback port.
# poolserve runs the same flask_app.py (--wsgi flask_app:app, its /hit the
# same redis INCR) with --processes 4 --threads 10; poolserve's lab (C,
# no Python, the extra rows) answers / itself and counts /hit in its own
# shared memory (no redis).  About 1.5 minutes; -q (-d 2) writes its
# report to a scratch directory (see common.sh).
. "$(dirname "$0")/common.sh"

d=10
while getopts "qd:" opt; do
	case $opt in
	q) d=2 ;;
	d) d=$OPTARG ;;
	*) echo "usage: ${0##*/} [-q] [-d SECONDS]" >&2; exit 64 ;;
	esac
done
mode=
[ "$d" = 10 ] || mode=quick

need_pkgs gunicorn python3-flask python3-gevent python3-aiohttp \
    python3-aioredis redis-server python3-redis wrk
need_poolserve
report 003 $mode

RUN=0

# wrk_row LABEL URL: the seed's wrk command as a table row; wrk's output
# kept as wrk-N.txt
wrk_row() {
	local label=$1 url=$2 out
	RUN=$((RUN + 1))
	out=$(load timeout $((d + 30)) wrk -t8 -c200 -d"${d}s" --latency "$url" 2>&1) || true
	printf '# wrk -t8 -c200 -d%ss --latency %s\n%s\n' "$d" "$url" "$out" \
	    >"$TMP/wrk-$RUN.txt"
	awk -v label="$label" '
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = $2 }
	/^ +99%/ { p99 = $2 }
	/Latency  / && max == "" { max = $4 }
	/requests in/ { reqs = $1 }
	/Socket errors:/ { sub(/^ *Socket errors: */, ""); errs = $0 }
	/Non-2xx/ { non2xx = $NF }
	END { printf "| %s | %s | %s | %s | %s | %s | %s |\n", label, rps, p50, p99, max, reqs,
	      (errs == "" ? "none" : errs) (non2xx == "" ? "" : ", non-2xx " non2xx) }
	' <<<"$out"
}

redis_port=$(free_port)
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" \
    --appendonly no --daemonize no
wait_port "$redis_port"
export SEED_REDIS_PORT=$redis_port

echo "# Seed 003: wrk -t8 -c200 -d${d}s --latency, hello and a hit counter"
echo
machine_line
[ -z "$mode" ] || echo "Quick run (the seed's load is -d10s): figures for a look, not for the record."
echo
echo "Every row: \`wrk -t8 -c200 -d${d}s --latency URL\` as the seed ran it (wrk's default 2 s timeout; its output kept beside this report).  The Flask rows run the seed's \`bench/seeds/apps/003/flask_app.py\`, the aiohttp rows its \`aio_app.py\`."
echo
echo "| server, route | req/s | p50 | p99 | max | requests | errors |"
echo "|---|---|---|---|---|---|---|"
echo "| seed: Flask, \`gunicorn -b localhost:5000 --access-logfile - -w 4 -k gevent flask_app:app\`, / (published) | 2330.74 | 1.55ms | 20.89ms | 1.67s | 23325 | timeout 8 |"
echo "| seed: aiohttp, \`gunicorn ... -w 4 -k aiohttp.GunicornWebWorker aio_app:app\`, / (published) | 6150.18 | 36.83ms | 66.48ms | 120.43ms | 61709 | none |"
echo "| seed: Flask, gevent, /hit with redis (published) | 2033.33 | 106.59ms | 1.05s | 1.89s | 20484 | read 19 |"
echo "| seed: aiohttp, /hit with aioredis (published) | 5559.97 | 35.01ms | 58.03ms | 90.80ms | 55816 | none |"

port=$(free_port)
gunicorn_start 003 "$port" --access-logfile - -w 4 -k gevent flask_app:app
note "Flask gunicorn --access-logfile - -w 4 -k gevent"
wrk_row "here: Flask, \`gunicorn -b 127.0.0.1:PORT --access-logfile - -w 4 -k gevent flask_app:app\`, /" "http://127.0.0.1:$port/"
wrk_row "here: Flask, the same, /hit (redis)" "http://127.0.0.1:$port/hit"
stop_group "$SPID"

port=$(free_port)
gunicorn_start 003 "$port" --access-logfile - -w 4 -k aiohttp.GunicornWebWorker aio_app:app
note "aiohttp gunicorn --access-logfile - -w 4"
wrk_row "here: aiohttp, \`gunicorn -b 127.0.0.1:PORT --access-logfile - -w 4 -k aiohttp.GunicornWebWorker aio_app:app\`, /" "http://127.0.0.1:$port/"
wrk_row "here: aiohttp, the same, /hit (aioredis 1.3.1)" "http://127.0.0.1:$port/hit"
stop_group "$SPID"

port=$(free_port)
# shellcheck disable=SC2046
start_poolserve "$port" --processes 4 --threads 10 $(wsgi_opts 003 flask_app:app)
note "poolserve --processes 4 --threads 10 --wsgi flask_app:app"
wrk_row "poolserve --processes 4 --threads 10 --wsgi flask_app:app (the same flask_app.py), /" "http://127.0.0.1:$port/"
wrk_row "poolserve, the same, /hit (redis)" "http://127.0.0.1:$port/hit"
stop_group "$SPID"

port=$(free_port)
start_poolserve "$port" --processes 4 --threads 10
note "poolserve lab --processes 4 --threads 10"
wrk_row "poolserve lab (C, no Python) --processes 4 --threads 10, /" "http://127.0.0.1:$port/"
wrk_row "poolserve lab, /hit (shared memory, no redis)" "http://127.0.0.1:$port/hit"
hits=$(curl -s "http://127.0.0.1:$port/hit")
stop_group "$SPID"
redis_hits=$(redis-cli -p "$redis_port" get hit 2>/dev/null || echo "?")
# the /hit requests wrk completed against redis: runs 2, 4 and 6
done_hits=$(cat "$TMP/wrk-2.txt" "$TMP/wrk-4.txt" "$TMP/wrk-6.txt" |
    awk '/requests in/ { s += $1 } END { print s + 0 }')

echo
echo "redis' counter after the run: $redis_hits; wrk completed $done_hits /hit requests"
echo "against the Flask, aiohttp and poolserve rows, and at most 200 per row"
echo "were in flight when wrk stopped.  poolserve lab's own counter: $hits."
echo
echo "Deviations: wrk and the servers use 127.0.0.1:PORT where the seed used"
echo "localhost:5000; the seed's macOS machine (its CPUs are not named) is"
echo "this Linux machine with $(nproc) CPUs, which wrk's 8 threads share with the"
echo "server and redis: compare the rows of one run with each other, and the"
echo "seed's figures for their shape only.  gunicorn logs every request to"
echo "its standard output (--access-logfile -, as the seed), kept beside this"
echo "report cut to its first and last 300 lines."
echo "poolserve runs flask_app.py unpatched on 4 processes x 10 threads, so"
echo "at most 40 of wrk's 200 connections are served at once and the others"
echo "wait their turn; poolserve logs no access lines (--disable-logging)."
machine_end
lock_note
