#!/bin/bash
# Seed 002: 1000 concurrent POSTs of a JSON login body
# (`ab -n 1000 -c 1000 -p data.txt -T 'application/json'`) to a Flask
# route that sleeps 0.2 s, under the seed's two uWSGI configurations:
# processes = 4 with threads = 3000, and with gevent = 3000.
#
#   bench/seeds/002-uwsgi-threads-gevent.sh [-q] [-n REQUESTS] [-c CLIENTS]
#
# The seed published its results as screenshots only: there is no figure
# in its text to print beside ours.  Debian's uWSGI runs the seed's two
# ini files (written here as the seed wrote them, on a free loopback
# port) with the seed's run.py (apps/002/run.py; run_gevent.py is the
# seed's monkey-patching first two lines, then run.py).  poolserve runs
# the same run.py (--wsgi run:app) with --processes 4 at 250 threads
# (1000 at once, the seed's aim) and at 10 threads, and the seed's POST
# without Flask (--wsgi-file apps/002/login_wsgi.py: parse the JSON,
# sleep 0.2 s, answer {}); its lab (C, no Python) answers GET /sleep/0.2
# and POST /echo, the extra rows.  About 1 minute; -q (-n 200 -c 200)
# writes its report to a scratch directory (see common.sh).
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

# the seed's data.txt
body=$TMP/data.txt
printf '{"a": "1", "b": "2", "c": 200}\n' >"$body"
login=/user_manage/user/login
POST=(-p "$body" -T application/json)
SLOW=0

# slow_connects NAME: requests whose connect took 1 s or more (-g's
# ctime): a SYN dropped by a full listen queue and sent again
slow_connects() {
	[ -s "$TMP/ab-$1.tsv" ] || { echo "-"; return 0; }
	awk -F'\t' 'NR > 1 && $3 >= 1000 { k++ } END { print k + 0 }' "$TMP/ab-$1.tsv"
}

# row NAME LABEL URL [ab options]: one ab run as a table row
row() {
	local name=$1 label=$2 url=$3 line
	shift 3
	line=$(ab_row "$label" "$(ab_run "$name" "$n" "$c" "$url" "$@")")
	k=$(slow_connects "$name")
	[ "$k" = - ] || SLOW=$((SLOW + k))
	echo "${line% |} | $k |"
}

# uwsgi_ini NAME PORT: the seed's ini for NAME (threads or gevent)
uwsgi_ini() {
	local name=$1 port=$2 file=$TMP/$1.ini
	{
		echo "[uwsgi]"
		echo "http-socket = 127.0.0.1:$port"
		echo "chdir=$APPS/002/"
		if [ "$name" = gevent ]; then
			echo "wsgi-file =$APPS/002/run_gevent.py"
			echo "plugins = python3,gevent_python3"
		else
			echo "wsgi-file =$APPS/002/run.py"
			echo "plugins = python3"
		fi
		echo "callable=app"
		echo "processes = 4"
		if [ "$name" = gevent ]; then
			echo "pidfile = $TMP/aiops_flask.pid"
			echo "gevent = 3000"
		else
			echo "threads = 3000"
			echo "pidfile = $TMP/aiops_flask.pid"
		fi
	} >"$file"
	echo "$file"
}

echo "# Seed 002: ab -n $n -c $c, a JSON login POST sleeping 0.2 s"
echo
machine_line
[ -z "$mode" ] || echo "Quick run (the seed's load is -n 1000 -c 1000): figures for a look, not for the record."
echo
echo "Every row: \`ab -n $n -c $c -p data.txt -T 'application/json' -g FILE URL\`, the seed's command plus -g (ab's per-request timings, kept beside this report).  \"connects ≥ 1 s\": requests whose connect took a second or more (-g), a SYN the full listen queue dropped and the client sent again."
echo
echo "| server | req/s | total s | mean ms | p50 ms | p99 ms | max ms | failed | connects ≥ 1 s |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| seed: uWSGI processes=4 threads=3000 / gevent=3000 (published as screenshots only) | - | - | - | - | - | - | - | - |"

uver=$(dpkg-query -W -f='${Version}' uwsgi-core | cut -d- -f1)
for cfg in threads gevent; do
	port=$(free_port)
	start uwsgi uwsgi --ini "$(uwsgi_ini "$cfg" "$port")"
	wait_port "$port" 60
	sleep 2
	note "uwsgi $cfg=3000: ab -n $n -c $c POST $login"
	row "uwsgi-$cfg" "Debian uWSGI $uver, the seed's ini: processes = 4, $cfg = 3000" \
	    "http://127.0.0.1:$port$login" "${POST[@]}"
	if [ "$cfg" = threads ]; then
		ab_run uwsgi-two 2 2 "http://127.0.0.1:$port$login" "${POST[@]}" >/dev/null
		two_uwsgi=$(awk '/^Time taken for tests:/ { print $5 }' "$TMP/ab-uwsgi-two.txt")
	fi
	stop_group "$SPID"
done

pools=("--processes 4 --threads 250" "--processes 4 --threads 10")
i=0
for opts in "${pools[@]}"; do
	i=$((i + 1))
	port=$(free_port)
	# shellcheck disable=SC2086,SC2046
	start_poolserve "$port" $opts $(wsgi_opts 002 run:app)
	note "poolserve $opts --wsgi run:app: ab -n $n -c $c POST $login"
	row "poolserve-flask$i" "poolserve $opts --wsgi run:app (the same run.py)" \
	    "http://127.0.0.1:$port$login" "${POST[@]}"
	stop_group "$SPID"
done

port=$(free_port)
start_poolserve "$port" --processes 4 --threads 250 --wsgi-file "$APPS/002/login_wsgi.py"
note "poolserve --wsgi-file login_wsgi.py: ab -n $n -c $c POST $login"
row poolserve-wsgi "poolserve --processes 4 --threads 250 --wsgi-file login_wsgi.py (the POST without Flask)" \
    "http://127.0.0.1:$port$login" "${POST[@]}"
ab_run poolserve-two 2 2 "http://127.0.0.1:$port$login" "${POST[@]}" >/dev/null
two_poolserve=$(awk '/^Time taken for tests:/ { print $5 }' "$TMP/ab-poolserve-two.txt")
ab_run poolserve-one 1 1 "http://127.0.0.1:$port$login" "${POST[@]}" >/dev/null
one_poolserve=$(awk '/^Time taken for tests:/ { print $5 }' "$TMP/ab-poolserve-one.txt")
stop_group "$SPID"

port=$(free_port)
start_poolserve "$port" --processes 4 --threads 250
note "poolserve lab: ab -n $n -c $c GET /sleep/0.2, POST /echo"
row lab-sleep "poolserve lab (C, no Python) --processes 4 --threads 250, GET /sleep/0.2" \
    "http://127.0.0.1:$port/sleep/0.2"
row lab-echo "poolserve lab (C, no Python) --processes 4 --threads 250, POST /echo (no sleep)" \
    "http://127.0.0.1:$port/echo" "${POST[@]}"
stop_group "$SPID"

echo
echo "**About 0.4 s at best, not 0.2 s.**  ab sends its first request alone and"
echo "opens its other connections when that answer is in (see seed 000), so even"
echo "with every request running at once a run takes two rounds of 0.2 s."
echo "Measured here: \`ab -n 1 -c 1\` ${one_poolserve:-?} s, \`ab -n 2 -c 2\` ${two_poolserve:-?} s"
echo "(poolserve --wsgi-file login_wsgi.py), ${two_uwsgi:-?} s (uWSGI threads = 3000)."
if [ "$SLOW" -gt 0 ]; then
	echo "What the rows take beyond that is connection set-up: $c simultaneous"
	echo "connects overflow a listen queue of 100 (uWSGI's default) or 128"
	echo "(poolserve's); the dropped SYNs are sent again after 1 s, 3 s ... ($SLOW"
	echo "connects of 1 s or more in all, the \"connects ≥ 1 s\" column), which"
	echo "shows as p99 and max."
else
	echo "No connect took a second (the \"connects ≥ 1 s\" column): the listen"
	echo "queues (100 for uWSGI, 128 for poolserve) held ab's connects; what the"
	echo "rows take beyond 0.4 s is the servers' own work."
fi
echo
echo "uWSGI and the \"--wsgi run:app\" rows run the seed's run.py on the seed's"
echo "request: ab POSTs data.txt to $login, the view parses it and sleeps 0.2 s."
echo "poolserve runs it unpatched on plain threads (no gevent); at 10 threads a"
echo "process, 40 requests run at once.  login_wsgi.py does the same POST"
echo "without Flask; the lab rows are the Python-free extra: GET /sleep/0.2"
echo "waits without a body, POST /echo takes the body without waiting."
echo
echo "Deviations: the seed's http-socket 0.0.0.0:8040 is 127.0.0.1 on a free"
echo "port, its chdir, wsgi-file and pidfile paths are this tree's; Debian's"
echo "gevent plugin is named gevent_python3; the seed's view is a"
echo "flask_restplus Resource (not in Debian), here a plain Flask view doing"
echo "the same (see apps/002/run.py)."
machine_end
lock_note
