#!/bin/bash
# Seed 000: `ab -n 1000 -c 100` against a Flask route that sleeps 10 s
# (/cast/10) under `gunicorn -w 9 -k gevent`.
#
#   bench/seeds/000-ab-cast-sleep.sh [-n REQUESTS] [-c CLIENTS] [-s SECONDS]
#
# Defaults are the seed's (-n 1000 -c 100 -s 10): about 100 s per server,
# three servers.  The seed's published figures are printed beside Debian's
# gunicorn with the gevent worker (same app, same command) and poolserve's
# equivalent route /sleep/S with 9 processes x 12 threads (108 requests at
# once, as 9 gevent workers take all 100) and 1 process x 100 threads.
. "$(dirname "$0")/common.sh"

n=1000 c=100 s=10
while getopts "n:c:s:" opt; do
	case $opt in
	n) n=$OPTARG ;;
	c) c=$OPTARG ;;
	s) s=$OPTARG ;;
	*) echo "usage: ${0##*/} [-n REQUESTS] [-c CLIENTS] [-s SECONDS]" >&2; exit 64 ;;
	esac
done

need_pkgs gunicorn python3-flask python3-gevent apache2-utils
need_poolserve
report 000

echo "# Seed 000: ab -n $n -c $c on a route sleeping $s s"
echo
machine_line
echo
echo "| server | req/s | total s | mean ms | p50 ms | p99 ms | max ms | failed |"
echo "|---|---|---|---|---|---|---|---|"
echo "| seed: gunicorn 19.9 -w 9 -k gevent, /cast/10, 4 CPUs (published) | 9.00 | 111.167 | 11116.725 | 10090 | 10163 | 10170 | 0 |"

port=$(free_port)
gunicorn_start "$port" -w 9 -k gevent flask_app:app
note "gunicorn -w 9 -k gevent: ab -n $n -c $c /cast/$s"
ab_row "Debian gunicorn $(dpkg-query -W -f='${Version}' gunicorn | cut -d- -f1) -w 9 -k gevent, /cast/$s" \
    "$(ab_run "$n" "$c" "http://127.0.0.1:$port/cast/$s")"
stop_group "$SPID"

for opts in "--processes 9 --threads 12" "--threads 100"; do
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $opts
	note "poolserve $opts: ab -n $n -c $c /sleep/$s"
	ab_row "poolserve $opts, /sleep/$s" "$(ab_run "$n" "$c" "http://127.0.0.1:$port/sleep/$s")"
	stop_group "$SPID"
done

echo
echo "$c clients each waiting $s s allow at most $c/$s = $(python3 -c "print($c / $s)") req/s;"
echo "$n requests take at least $(python3 -c "print($n // $c * $s)") s.  Any server running all $c"
echo "requests at once reaches that; poolserve needs processes x threads >= $c"
echo "and does it with plain threads, without monkey-patching the application."
lock_note
