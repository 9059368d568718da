#!/bin/bash
# Seed 002: 1000 concurrent POSTs of a JSON login body
# (`ab -n 1000 -c 1000 -p data.json -T application/json`) to a Flask
# route that sleeps 0.2 s, under uWSGI processes=4 with threads=3000 and
# with gevent=3000.
#
#   bench/seeds/002-uwsgi-threads-gevent.sh [-q] [-n REQUESTS] [-c CLIENTS]
#
# The seed published its results as screenshots only: there is no figure
# in its text to print beside ours.  Debian's uWSGI runs the seed's two
# configurations (http-socket, as in the seed; the listen backlog left at
# uWSGI's default, 100).  poolserve runs the same Flask app
# (--wsgi flask_app:app) and gets the seed's exact request, the JSON POST
# to /user_manage/user/login that sleeps 0.2 s, with --processes 4 at 250
# threads (1000 at once, the seed's aim) and at 10 threads.  Its lab (C,
# no Python, the baseline) has no POST route that sleeps: GET /sleep/0.2
# (the wait) and POST /echo with the same body (the POST, no wait) are
# run with the same pools.  About 1 minute; -q (-n 200 -c 200) writes its
# report to a scratch directory (see common.sh).
. "$(dirname "$0")/common.sh"

n=1000 c=1000
while getopts "qn:c:" opt; do
	case $opt in
	q) n=200 c=200 ;;
	n) n=$OPTARG ;;
	c) c=$OPTARG ;;
	*) echo "usage: ${0##*/} [-q] [-n REQUESTS] [-c CLIENTS]" >&2; exit 64 ;;
	esac
done
mode=
[ "$n $c" = "1000 1000" ] || mode=quick

need_pkgs uwsgi uwsgi-plugin-python3 uwsgi-plugin-gevent-python3 \
    python3-flask python3-gevent apache2-utils
need_poolserve
[ "$(ulimit -n)" -gt $((c + 100)) ] || ulimit -n $((c + 1024))
report 002 $mode

body=$TMP/data.json
printf '{"a": "1", "b": "2", "c": 200}' >"$body"
login=/user_manage/user/login

# uwsgi_row LABEL GEVENT PLUGINS ARGS...: the seed's uWSGI with ARGS, ab
# POSTing the body; GEVENT=1 makes the app monkey-patch first
uwsgi_row() {
	local label=$1 gevent=$2 plugins=$3 port
	shift 3
	port=$(free_port)
	start uwsgi env SEED_GEVENT="$gevent" uwsgi --plugins "$plugins" "$@" \
	    --http-socket "127.0.0.1:$port" \
	    --chdir "$APPS" --wsgi-file flask_app.py --callable app \
	    --master --processes 4 --disable-logging
	wait_port "$port" 30
	sleep 2
	note "uwsgi $label: ab -n $n -c $c POST $login"
	ab_row "Debian uWSGI $(dpkg-query -W -f='${Version}' uwsgi-core | cut -d- -f1) processes=4 $label, POST $login" \
	    "$(ab_run "$n" "$c" "http://127.0.0.1:$port$login" -p "$body" -T application/json)"
	stop_group "$SPID"
}

echo "# Seed 002: ab -n $n -c $c, a JSON login POST sleeping 0.2 s"
echo
machine_line
[ -z "$mode" ] || echo "Quick run (the seed's load is -n 1000 -c 1000): figures for a look, not for the record."
echo
echo "| server | req/s | total s | mean ms | p50 ms | p99 ms | max ms | failed |"
echo "|---|---|---|---|---|---|---|---|"
echo "| seed: uWSGI processes=4 threads=3000 / gevent=3000 (published as screenshots only) | - | - | - | - | - | - | - |"

uwsgi_row "threads=3000" 0 python3 --threads 3000 --thread-stacksize 256
uwsgi_row "gevent=3000" 1 python3,gevent_python3 --gevent 3000

pools=("--processes 4 --threads 250" "--processes 4 --threads 10")
for opts in "${pools[@]}"; do
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $opts "${FLASK_WSGI[@]}"
	note "poolserve $opts --wsgi flask_app:app: ab -n $n -c $c POST $login"
	ab_row "poolserve $opts --wsgi flask_app:app, POST $login" \
	    "$(ab_run "$n" "$c" "http://127.0.0.1:$port$login" -p "$body" -T application/json)"
	stop_group "$SPID"
done

for opts in "${pools[@]}"; do
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $opts
	note "poolserve lab $opts: ab -n $n -c $c GET /sleep/0.2, POST /echo"
	ab_row "poolserve lab (C, no Python) $opts, GET /sleep/0.2" \
	    "$(ab_run "$n" "$c" "http://127.0.0.1:$port/sleep/0.2")"
	ab_row "poolserve lab (C, no Python) $opts, POST /echo (no sleep)" \
	    "$(ab_run "$n" "$c" "http://127.0.0.1:$port/echo" -p "$body" -T application/json)"
	stop_group "$SPID"
done

echo
echo "With every request running at once, $n requests of 0.2 s from $c clients"
echo "take a little over 0.2 s of server time; what is left is connection"
echo "set-up: $c simultaneous connects overflow a backlog of 100 (uWSGI) or"
echo "128 (poolserve), and the dropped SYNs are retried after 1 s, 3 s ...,"
echo "which shows as p99 and max."
echo
echo "uWSGI and the \"--wsgi flask_app:app\" rows run the same Flask app,"
echo "\`bench/seeds/apps/flask_app.py\`, on the seed's request: ab POSTs the JSON"
echo "body to $login, which parses it and sleeps 0.2 s."
echo "poolserve runs it unpatched on plain threads (no gevent); at 10 threads a"
echo "process, 40 requests run at once.  The lab rows are the Python-free"
echo "baseline and only approach the request: GET /sleep/0.2 waits without a"
echo "body, POST /echo takes the body without waiting."
lock_note
