#!/bin/bash
# all.sh: run the seed scripts one after another under one hold of the
# load lock (/tmp/poolserve-load.lock), so that no other load interleaves
# with their phases.
#
#   bench/seeds/all.sh [-q] [NNN...]  default: 000 001 002 003 004
#
# -q runs every script in its quick mode (-q; about 5 minutes in all),
# the reports going to a scratch directory, not bench/results/seeds.
# SEED004_ARGS are the options of 004-soak-jmeter.sh (default "-i 0.1":
# one request every 0.1 s; "-i 0.5" is the seed's pace, 7 x 9 minutes).
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
	f=$(ls "$here/$s"-*.sh 2>/dev/null | head -n 1)
	[ -n "$f" ] || { echo "all.sh: no seed script $s" >&2; exit 64; }
	scripts+=("$f")
done
export SEED004_ARGS=${SEED004_ARGS:--i 0.1}
[ -z "$quick" ] || SEED004_ARGS=-q
exec flock /tmp/poolserve-load.lock env SEED_LOCK_HELD=1 SEED_QUICK="$quick" bash -c '
rc=0
for f in "$@"; do
	echo "## ${f##*/}" >&2
	case $f in
	*/004-*) "$f" $SEED004_ARGS || rc=1 ;;
	*) "$f" $SEED_QUICK || rc=1 ;;
	esac
done
exit $rc' all.sh "${scripts[@]}"
