#!/bin/bash
# Seed 001: a route sleeping 0.25 s behind one gunicorn worker, then four;
# sync workers, threads, and an asynchronous worker; measured with hey.
#
#   bench/seeds/001-workers-threads-gevent.sh [-q]
#
# Each row prints the seed's published req/s beside Debian's gunicorn
# (Flask app, same worker model), poolserve running the same Flask app
# (--wsgi flask_app:app) and poolserve's lab (C, no Python) with the same
# number of requests at once, in the same run.  Every server gets the
# same URL: GET /?sleep=0.25.  The seed's asynchronous server was Quart
# on hypercorn (not in Debian); gunicorn -k gevent stands in for it.
# About 2 minutes; -q (every hey -n cut to at most 20, about 1 minute)
# writes its report to a scratch directory (see common.sh).
. "$(dirname "$0")/common.sh"

quick=
while getopts "q" opt; do
	case $opt in
	q) quick=quick ;;
	*) echo "usage: ${0##*/} [-q]" >&2; exit 64 ;;
	esac
done

need_pkgs gunicorn python3-flask python3-gevent hey
need_poolserve
report 001 $quick

url_path='/?sleep=0.25'

# row LABEL SEED_RPS HEY_N HEY_C GUNICORN_ARGS POOLSERVE_ARGS: gunicorn,
# poolserve + Flask, poolserve lab, one after the other
row() {
	local label=$1 seed=$2 n=$3 c=$4 gargs=$5 pargs=$6 port g f p
	[ -z "$quick" ] || [ "$n" -le 20 ] || n=20
	port=$(free_port)
	# shellcheck disable=SC2086
	gunicorn_start "$port" $gargs flask_app:app
	g=$(hey_run "$n" "$c" "http://127.0.0.1:$port$url_path")
	stop_group "$SPID"
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $pargs "${FLASK_WSGI[@]}"
	f=$(hey_run "$n" "$c" "http://127.0.0.1:$port$url_path")
	stop_group "$SPID"
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $pargs
	p=$(hey_run "$n" "$c" "http://127.0.0.1:$port$url_path")
	stop_group "$SPID"
	# shellcheck disable=SC2086
	set -- $g
	local grps=$1 gavg=$2 gerr=$4
	# shellcheck disable=SC2086
	set -- $f
	local frps=$1 favg=$2 ferr=$4
	# shellcheck disable=SC2086
	set -- $p
	printf '| %s | `hey -n %s -c %s` | %s | `gunicorn %s` | %.2f | %.3f | %s | `poolserve %s` | %.2f | %.3f | %s | %.2f | %.3f | %s |\n' \
	    "$label" "$n" "$c" "$seed" "$gargs" "$grps" "$gavg" "$gerr" \
	    "$pargs" "$frps" "$favg" "$ferr" "$1" "$2" "$4"
}

echo "# Seed 001: workers, threads and gevent on a 0.25 s route (hey)"
echo
machine_line
[ -z "$quick" ] || echo "Quick run (-q): every hey -n cut to at most 20; figures for a look, not for the record."
echo "Route: \`GET $url_path\` on every server.  gunicorn and \"poolserve + Flask\" run the same Flask app, \`bench/seeds/apps/flask_app.py\` (poolserve: \`--pythonpath bench/seeds/apps --wsgi flask_app:app\` after the options shown); \"poolserve lab\" is poolserve's C route, no Python (the baseline)."
echo "req/s and average latency (s) as hey reports them; err = requests without a 2xx answer."
echo
echo "| configuration | load | seed req/s | Debian server | req/s | avg s | err | poolserve | + Flask req/s | avg s | err | lab req/s | avg s | err |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
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
echo "Deviation: the seed's async rows ran Quart on hypercorn, which Debian does"
echo "not ship; gunicorn -k gevent runs the Flask app in their place, and"
echo "poolserve gives its pool 10 threads per process (the 10 clients) instead."
lock_note
