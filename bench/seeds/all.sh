#!/bin/bash
# all.sh: run the seed scripts one after another under one hold of the
# load lock (/tmp/poolserve-load.lock), so that no other load interleaves
# with their phases.
#
#   bench/seeds/all.sh [-q] [NNN...]  default: 000 001 002 003 004
#
# -q runs every script in its quick mode (-q; about 5 minutes in all),
# the reports going to a scratch directory, not bench/results/seeds.
# Every script of a seed runs (004: 004-burst-async.sh and
# 004-soak-jmeter.sh).  SEED004_ARGS are the options of 004-soak-jmeter.sh
# (default none: one request every 0.1 s, and the werkzeug256@0.5 row at
# the seed's pace; "-i 0.5" runs every row at the seed's pace, 2 hours).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
quick=
if [ "${1:-}" = -q ]; then
	quick=-q
	shift
fi
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(000 001 002 003 004)
scripts=()
for s in "${seeds[@]}"; do
	n=${#scripts[@]}
	for f in "$here/$s"-*.sh; do
		if [ -f "$f" ]; then scripts+=("$f"); fi
	done
	[ ${#scripts[@]} -gt "$n" ] || { echo "all.sh: no seed script $s" >&2; exit 64; }
done
export SEED004_ARGS=${SEED004_ARGS:-}
[ -z "$quick" ] || SEED004_ARGS=-q
exec flock /tmp/poolserve-load.lock env SEED_LOCK_HELD=1 SEED_QUICK="$quick" bash -c '
rc=0
for f in "$@"; do
	echo "## ${f##*/}" >&2
	case $f in
	*/004-soak-*) "$f" $SEED004_ARGS || rc=1 ;;
	*) "$f" $SEED_QUICK || rc=1 ;;
	esac
done
exit $rc' all.sh "${scripts[@]}"
