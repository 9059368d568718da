#!/bin/bash
# Seed 003: `wrk -t8 -c200 -d10s --latency` against a hello route and a
# hit counter, Flask on gunicorn's gevent worker against aiohttp on
# gunicorn, 4 workers each.
#
#   bench/seeds/003-wrk-hello-hit.sh [-q] [-d SECONDS]
#
# The seed's counter is INCR in redis: the Flask and aiohttp apps here do
# the same against Debian's redis-server, started by this script on a
# free loopback port.  poolserve runs the same Flask app
# (--wsgi flask_app:app, its /hit the same redis INCR) with --processes 4
# --threads 10; poolserve's lab (C, no Python, the baseline) answers /
# itself and counts /hit in its own shared memory (no redis), so its rows
# measure the server alone.  About 1 minute; -q (-d 2) writes its report
# to a scratch directory (see common.sh).
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
    redis-server python3-redis wrk
need_poolserve
report 003 $mode

# wrk_row LABEL URL: one bounded wrk run as a table row
wrk_row() {
	local label=$1 url=$2 out
	out=$(load wrk -t8 -c200 -d"${d}s" --timeout 5s --latency "$url" 2>&1) || true
	printf '%s\n' "$out" >>"$TMP/wrk.log"
	awk -v label="$label" '
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = $2 }
	/^ +99%/ { p99 = $2 }
	/requests in/ { reqs = $1 }
	/Socket errors:/ { sub(/^ *Socket errors: */, ""); errs = $0 }
	/Non-2xx/ { non2xx = $NF }
	END { printf "| %s | %s | %s | %s | %s | %s |\n", label, rps, p50, p99, reqs,
	      (errs == "" ? "none" : errs) (non2xx == "" ? "" : ", non-2xx " non2xx) }
	' <<<"$out"
}

redis_port=$(free_port)
start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" \
    --appendonly no --daemonize no
wait_port "$redis_port"
export SEED_REDIS_PORT=$redis_port

echo "# Seed 003: wrk -t8 -c200 -d${d}s, hello and a hit counter"
echo
machine_line
[ -z "$mode" ] || echo "Quick run (the seed's load is -d10s): figures for a look, not for the record."
echo
echo "| server, route | req/s | p50 | p99 | requests | errors |"
echo "|---|---|---|---|---|---|"
echo "| seed: Flask, gunicorn -w 4 -k gevent, / (published) | 2330.74 | 1.55ms | 20.89ms | 23325 | timeout 8 |"
echo "| seed: aiohttp, gunicorn -w 4 -k aiohttp.GunicornWebWorker, / (published) | 6150.18 | 36.83ms | 66.48ms | 61709 | none |"
echo "| seed: Flask, gevent, /hit with redis (published) | 2033.33 | 106.59ms | 1.05s | 20484 | read 19 |"
echo "| seed: aiohttp, /hit with aioredis (published) | 5559.97 | 35.01ms | 58.03ms | 55816 | none |"

port=$(free_port)
gunicorn_start "$port" -w 4 -k gevent flask_app:app
note "Flask gunicorn -w 4 -k gevent"
wrk_row "Debian: Flask, gunicorn -w 4 -k gevent, /" "http://127.0.0.1:$port/"
wrk_row "Debian: Flask, gunicorn -w 4 -k gevent, /hit (redis)" "http://127.0.0.1:$port/hit"
stop_group "$SPID"

port=$(free_port)
gunicorn_start "$port" -w 4 -k aiohttp.GunicornWebWorker aio_app:app
note "aiohttp gunicorn -w 4"
wrk_row "Debian: aiohttp, gunicorn -w 4 -k aiohttp.GunicornWebWorker, /" "http://127.0.0.1:$port/"
wrk_row "Debian: aiohttp, gunicorn -w 4, /hit (redis)" "http://127.0.0.1:$port/hit"
stop_group "$SPID"

port=$(free_port)
start_poolserve "$port" --processes 4 --threads 10 "${FLASK_WSGI[@]}"
note "poolserve --processes 4 --threads 10 --wsgi flask_app:app"
wrk_row "poolserve --processes 4 --threads 10 --wsgi flask_app:app, /" "http://127.0.0.1:$port/"
wrk_row "poolserve --processes 4 --threads 10 --wsgi flask_app:app, /hit (redis)" "http://127.0.0.1:$port/hit"
stop_group "$SPID"

port=$(free_port)
start_poolserve "$port" --processes 4 --threads 10
note "poolserve lab --processes 4 --threads 10"
wrk_row "poolserve lab (C, no Python) --processes 4 --threads 10, /" "http://127.0.0.1:$port/"
wrk_row "poolserve lab (C, no Python) --processes 4 --threads 10, /hit (shared memory)" "http://127.0.0.1:$port/hit"
hits=$(curl -s "http://127.0.0.1:$port/hit")
stop_group "$SPID"

echo
echo "The Debian Flask rows and the \"--wsgi flask_app:app\" rows run the same Flask"
echo "app, \`bench/seeds/apps/flask_app.py\`, and the same redis INCR for /hit."
echo "Deviation: the seed ran Flask on gunicorn's gevent worker; poolserve runs it"
echo "unpatched on 4 processes x 10 threads, so at most 40 of wrk's 200"
echo "connections are served at once and the others wait their turn."
echo
echo "poolserve lab's counter after its run: $hits, one count per request over the 4"
echo "processes: the requests wrk completed, those still in flight when it"
echo "stopped, and the one that read it."
echo "On this machine wrk's 8 threads share the 2 CPUs with the server, so"
echo "compare the rows of one run with each other, not with the seed's 4-CPU"
echo "figures."
lock_note
