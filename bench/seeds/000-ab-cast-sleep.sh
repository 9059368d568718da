#!/bin/bash
# Seed 000: `ab -n 1000 -c 100` against a Flask route that sleeps 10 s
# (/cast/10) under `gunicorn -w 9 -k gevent`.
#
#   bench/seeds/000-ab-cast-sleep.sh [-q] [-n REQUESTS] [-c CLIENTS] [-s SECONDS]
#
# Defaults are the seed's (-n 1000 -c 100 -s 10): about 110 s per row,
# five rows.  -q is a quick look (-n 200 -c 100 -s 2, about 1 minute);
# a run with other figures than the seed's writes its report to a scratch
# directory (see common.sh), not over bench/results/seeds/000.md.
# The rows: the seed's published figures; Debian's gunicorn with the
# gevent worker running the same Flask app with the same command;
# poolserve running that Flask app (--wsgi flask_app:app, GET /cast/S)
# with 9 processes x 12 threads (108 requests at once, as 9 gevent
# workers take all 100) and 1 process x 100 threads; and poolserve's
# lab route /sleep/S (C, no Python) with the same two pools, the
# Python-free baseline.
. "$(dirname "$0")/common.sh"

n=1000 c=100 s=10
while getopts "qn:c:s:" opt; do
	case $opt in
	q) n=200 c=100 s=2 ;;
	n) n=$OPTARG ;;
	c) c=$OPTARG ;;
	s) s=$OPTARG ;;
	*) echo "usage: ${0##*/} [-q] [-n REQUESTS] [-c CLIENTS] [-s SECONDS]" >&2; exit 64 ;;
	esac
done
mode=
[ "$n $c $s" = "1000 100 10" ] || mode=quick

need_pkgs gunicorn python3-flask python3-gevent apache2-utils
need_poolserve
report 000 $mode

echo "# Seed 000: ab -n $n -c $c on a route sleeping $s s"
echo
machine_line
[ -z "$mode" ] || echo "Quick run (the seed's load is -n 1000 -c 100 on /cast/10): figures for a look, not for the record."
echo
echo "| server | req/s | total s | mean ms | p50 ms | p99 ms | max ms | failed |"
echo "|---|---|---|---|---|---|---|---|"
echo "| seed: gunicorn 19.9 -w 9 -k gevent, Flask /cast/10, 4 CPUs (published) | 9.00 | 111.167 | 11116.725 | 10090 | 10163 | 10170 | 0 |"

port=$(free_port)
gunicorn_start "$port" -w 9 -k gevent flask_app:app
note "gunicorn -w 9 -k gevent: ab -n $n -c $c /cast/$s"
ab_row "Debian gunicorn $(dpkg-query -W -f='${Version}' gunicorn | cut -d- -f1) -w 9 -k gevent, Flask /cast/$s" \
    "$(ab_run "$n" "$c" "http://127.0.0.1:$port/cast/$s")"
stop_group "$SPID"

pools=("--processes 9 --threads 12" "--threads 100")
for opts in "${pools[@]}"; do
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $opts "${FLASK_WSGI[@]}"
	note "poolserve $opts --wsgi flask_app:app: ab -n $n -c $c /cast/$s"
	ab_row "poolserve $opts --wsgi flask_app:app, Flask /cast/$s" \
	    "$(ab_run "$n" "$c" "http://127.0.0.1:$port/cast/$s")"
	stop_group "$SPID"
done

for opts in "${pools[@]}"; do
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $opts
	note "poolserve lab $opts: ab -n $n -c $c /sleep/$s"
	ab_row "poolserve lab (C, no Python) $opts, /sleep/$s" \
	    "$(ab_run "$n" "$c" "http://127.0.0.1:$port/sleep/$s")"
	stop_group "$SPID"
done

echo
echo "The Flask rows run \`bench/seeds/apps/flask_app.py\`, the module gunicorn runs,"
echo "as \`poolserve --pythonpath bench/seeds/apps --wsgi flask_app:app\`, on the same"
echo "URL; the lab rows are poolserve's C route /sleep/S, the Python-free baseline."
echo "Deviation: gunicorn's gevent worker (Debian's 20.1, the seed's 19.9) patches"
echo "time.sleep into a greenlet switch; poolserve runs the unpatched app on"
echo "plain threads, so its pool must hold all $c requests (9 x 12 = 108, 1 x 100)."
echo
echo "$c clients each waiting $s s allow at most $c/$s = $(python3 -c "print($c / $s)") req/s;"
echo "$n requests take at least $(python3 -c "print($n // $c * $s)") s.  Any server running all $c"
echo "requests at once reaches that; poolserve needs processes x threads >= $c"
echo "and does it with plain threads, without monkey-patching the application."
lock_note
