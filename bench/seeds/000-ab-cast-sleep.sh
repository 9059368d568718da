#!/bin/bash
# Seed 000: `ab -n 1000 -c 100` against a Flask route that sleeps 10 s
# (/cast/10) under `gunicorn -w 9 -k gevent run:app`.
#
#   bench/seeds/000-ab-cast-sleep.sh [-q] [-n REQUESTS] [-c CLIENTS] [-s SECONDS]
#
# Defaults are the seed's (-n 1000 -c 100 -s 10): about 110 s per row,
# four rows, 8 minutes.  -q is a quick look (-n 200 -c 100 -s 2, under a
# minute); a run with other figures than the seed's writes its report to
# a scratch directory (see common.sh), not over bench/results/seeds/000.md.
# The rows: the seed's published figures; Debian's gunicorn running the
# seed's app (apps/000/run.py) with the seed's command; poolserve running
# that same run.py (--wsgi run:app) with 9 processes x 12 threads and
# 1 process x 100 threads; poolserve's lab route /sleep/S (C, no Python),
# the Python-free extra row.  Every ab run keeps its -g timings, which
# show how ab starts its requests.
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

# rounds: ab sends its first request alone, then keeps c in flight:
# 1 + ceil((n - 1) / c) rounds of s seconds
rounds=$(( 1 + (n - 1 + c - 1) / c ))

echo "# Seed 000: ab -n $n -c $c on a route sleeping $s s"
echo
machine_line
[ -z "$mode" ] || echo "Quick run (the seed's load is -n 1000 -c 100 on /cast/10): figures for a look, not for the record."
echo
echo "Every row: \`ab -n $n -c $c -g FILE URL\`, the seed's command plus -g (ab's per-request timings, kept beside this report).  \"starts\" groups the requests by when ab started them, from -g: COUNT@SECONDS after the first."
echo
echo "| server | req/s | total s | mean ms | p50 ms | p99 ms | max ms | failed | starts (from -g) |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| seed: \`gunicorn -w 9 -b 0.0.0.0:5001 -k gevent run:app\` 19.9.0, Docker, 4 CPUs (published) | 9.00 | 111.167 | 11116.725 | 10090 | 10163 | 10170 | 0 | - |"

# row NAME LABEL URL: one ab run as a row, with its -g start rounds
row() {
	local name=$1 label=$2 url=$3 line
	line=$(ab_row "$label" "$(ab_run "$name" "$n" "$c" "$url")")
	echo "${line% |} | $(ab_rounds "$name" "$s") |"
}

port=$(free_port)
gunicorn_start 000 "$port" -w 9 -k gevent run:app
gpid=$SPID
note "gunicorn -w 9 -k gevent run:app: ab -n $n -c $c /cast/$s"
row gunicorn "Debian gunicorn $(dpkg-query -W -f='${Version}' gunicorn | cut -d- -f1): \`gunicorn -w 9 -b 127.0.0.1:PORT -k gevent run:app\`" \
    "http://127.0.0.1:$port/cast/$s"
stop_group "$gpid"
gfail=$(ab_failures gunicorn)
# the log up to the shutdown: warnings, errors, and the app's "cast" lines
glog=$(sed '/Handling signal/q' "$TMP/gunicorn.log")
gerr=$(grep -E '\[(ERROR|CRITICAL|WARNING)\]|Traceback' <<<"$glog" | head -n 5 || true)
# (9 processes print to one file: a line may hold two "cast" words, so
# count the words, and the times, not the lines)
gcast=$(grep -o 'cast' <<<"$glog" | wc -l)
gtotal=$(awk '/^Total:/ { print $3; exit }' "$TMP/ab-gunicorn.txt" 2>/dev/null)

pools=("--processes 9 --threads 12" "--threads 100")
i=0
for opts in "${pools[@]}"; do
	i=$((i + 1))
	port=$(free_port)
	# shellcheck disable=SC2086
	start_poolserve "$port" $opts $(wsgi_opts 000 run:app)
	note "poolserve $opts --wsgi run:app: ab -n $n -c $c /cast/$s"
	row "poolserve-flask$i" "poolserve $opts --wsgi run:app (the same run.py)" \
	    "http://127.0.0.1:$port/cast/$s"
	stop_group "$SPID"
done

port=$(free_port)
start_poolserve "$port" --processes 9 --threads 12
note "poolserve lab --processes 9 --threads 12: ab -n $n -c $c /sleep/$s"
row lab "poolserve lab (C, no Python) --processes 9 --threads 12, /sleep/$s" \
    "http://127.0.0.1:$port/sleep/$s"
stop_group "$SPID"

echo
echo "**Why $n requests take about $((rounds * s)) s, not $((n / c * s)) s.**  The -g timings above show"
echo "how ab runs: it sends its first request alone, and only when that answer"
echo "is in does it open its $c connections, each sending its next request as"
echo "the previous one is answered.  A run is 1 + ceil(($n - 1)/$c) = $rounds rounds"
echo "of one request's time: $rounds x $s s = $((rounds * s)) s at best, $(python3 -c "print(round($n / ($rounds * $s), 2))") req/s.  The seed's"
echo "111.167 s and 9.00 req/s are the same $rounds rounds of its mean request time"
echo "(10074 ms: $rounds x 10.074 = $(python3 -c "print(round($rounds * 10.074, 3))") s), not an overhead of ab."
echo
echo "gunicorn's own figures fit the same rule: $rounds x its mean request time (ab's \"Total\" mean, ${gtotal:-?} ms) = $(python3 -c "print(round($rounds * ${gtotal:-0} / 1000, 3))") s."
echo
if [ -n "$gfail" ]; then
	echo "**gunicorn's failed replies.**  ab: $gfail.  ab counts a \"Length\""
	echo "failure when a reply's body differs in length from the first reply's"
	echo "(\"ok\", 2 bytes).  The app prints \"cast\" and the time for each request it ran:"
	echo "$gcast for $n requests, by second: $(grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}' <<<"$glog" | awk '{print $1}' | sort | uniq -c | awk '{printf "%s%s at %s", (o++ ? ", " : ""), $1, $2}')."
	bytes=$(awk '/^Total transferred:/ { print $3; exit }' "$TMP/ab-gunicorn.txt")
	if [ "$gcast" -ge "$n" ]; then
		echo "Every request ran in the app, so gunicorn lost the reply after the"
		echo "app returned it:"
	else
		echo "So $((n - gcast)) request(s) never reached the app, and"
	fi
	echo "ab got $bytes bytes for $n replies, $(awk -v t="$bytes" -v n="$n" -v f="${gfail##*Length: }" 'BEGIN { f += 0; printf "%d x %.1f", n - f, t / (n - f) }') bytes: a whole"
	echo "reply short, a connection closed without a byte, which ab counts as a"
	echo "reply of the wrong length.  gunicorn logged nothing"
	echo "about it${gerr:+ beyond:}"
	[ -z "$gerr" ] || { echo; sed 's/^/    /' <<<"$gerr"; }
	echo
else
	echo "gunicorn answered every request (ab: 0 failed); its app printed \"cast\" $gcast times, once per request."
	[ -z "$gerr" ] || { echo "Its log's warnings:"; echo; sed 's/^/    /' <<<"$gerr"; }
	echo
fi
echo "Deviations: the seed's bind 0.0.0.0:5001 in Docker is 127.0.0.1 on a free"
echo "port here; Debian's gunicorn 20.1 for the seed's 19.9.  gunicorn's gevent"
echo "worker patches time.sleep into a greenlet switch; poolserve runs the"
echo "same run.py unpatched on plain threads, so its pool must hold all $c"
echo "requests (9 x 12 = 108, 1 x 100)."
machine_end
lock_note
