#!/bin/bash
# Seed 001: a route sleeping 0.25 s behind one gunicorn worker, then four;
# sync workers, threads, and an asynchronous worker; measured with hey.
#
#   bench/seeds/001-workers-threads-gevent.sh
#
# Each row prints the seed's published req/s beside Debian's gunicorn
# (Flask app, same worker model) and poolserve with the same number of
# requests at once, in the same run.  The Flask route and poolserve's
# route are the same URL: GET /?sleep=0.25.  The seed's asynchronous
# server was Quart on hypercorn (not in Debian); gunicorn -k gevent stands
# in for it.  About 1 minute.
. "$(dirname "$0")/common.sh"

need_pkgs gunicorn python3-flask python3-gevent hey
need_poolserve
report 001

url_path='/?sleep=0.25'

# row LABEL SEED_RPS HEY_N HEY_C GUNICORN_ARGS POOLSERVE_ARGS
row() {
	local label=$1 seed=$2 n=$3 c=$4 gargs=$5 pargs=$6 port g p
	port=$(free_port)
	# shellcheck disable=SC2086
	gunicorn_start "$port" $gargs flask_app:app
	g=$(hey_run "$n" "$c" "http://127.0.0.1:$port$url_path")
	stop_group "$SPID"
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $pargs
	p=$(hey_run "$n" "$c" "http://127.0.0.1:$port$url_path")
	stop_group "$SPID"
	set -- $g
	local grps=$1 gavg=$2 gerr=$4
	set -- $p
	printf '| %s | `hey -n %s -c %s` | %s | `gunicorn %s` | %.2f | %.3f | %s | `poolserve %s` | %.2f | %.3f | %s |\n' \
	    "$label" "$n" "$c" "$seed" "$gargs" "$grps" "$gavg" "$gerr" \
	    "$pargs" "$1" "$2" "$4"
}

echo "# Seed 001: workers, threads and gevent on a 0.25 s route (hey)"
echo
machine_line
echo "Route: \`GET $url_path\` on both servers (Flask app \`bench/seeds/apps/flask_app.py\`)."
echo "req/s and average latency (s) as hey reports them; err = requests without a 2xx answer."
echo
echo "| configuration | load | seed req/s | Debian server | req/s | avg s | err | poolserve | req/s | avg s | err |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
row "1 worker, sync" "3.95" 10 5 "-w 1" "--threads 1"
row "1 worker, sync" "3.94" 20 10 "-w 1" "--threads 1"
row "1 worker, sync" "3.94" 50 10 "-w 1" "--threads 1"
row "4 workers, sync" "15.15" 50 10 "-w 4" "--processes 4 --threads 1"
row "4 workers x 2 threads" "24.54" 50 10 "-w 4 --threads 2" "--processes 4 --threads 2"
row "1 worker x 10 threads" "-" 50 10 "-w 1 --threads 10" "--threads 10"
row "1 worker, async (seed: Quart/hypercorn)" "33.80" 50 10 "-w 1 -k gevent" "--threads 10"
row "4 workers, async (seed: Quart/hypercorn)" "34.32" 50 10 "-w 4 -k gevent" "--processes 4 --threads 10"
echo
echo "With 10 clients and 0.25 s per request the ceiling is 40 req/s; one"
echo "synchronous worker (or one thread) serves 4 req/s, P x T of them 4·P·T."
echo "poolserve reaches the ceiling as soon as P x T >= 10, with plain threads."
lock_note
