#!/bin/sh
# make fuzz: build each harness with clang libFuzzer and run it for
# FUZZ_SECONDS.  Usage (from make): run.sh SRCDIR [HARNESS...]
# (fuzz/ci.sh runs it for CI).
# The source list of harness NAME is fuzz_replay_NAME_SOURCES in
# fuzz/fuzz.am, without the replay main() and headers.  New inputs go to
# fuzz/work/NAME (the seed corpus in the source tree is only read), a crash
# to fuzz/work/NAME-crash-*, the log to fuzz/logs/NAME.log.  Exits 1 when a
# harness does not build or finds a crash.
set -u
srcdir=$1
shift
: "${FUZZ_CC:=clang}" "${FUZZ_SECONDS:=30}"
: "${FUZZ_CFLAGS:=-g -O1 -fsanitize=fuzzer,address,undefined}"
: "${FUZZ_CPPFLAGS:=-DHAVE_CONFIG_H -I. -I$srcdir/src -I$srcdir/include}" "${FUZZ_LIBS:=-pthread}"
: "${MHD_CFLAGS:=}" "${MHD_LIBS:=-lmicrohttpd}"

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "make fuzz: $FUZZ_CC not found (apt-get install clang" \
	    "libclang-rt-dev)" >&2
	exit 1
fi
mkdir -p fuzz/bin fuzz/work fuzz/logs || exit 1
[ $# -gt 0 ] || set -- $(sed -n 's/^fuzz_replay_\([a-z_]*\)_SOURCES.*/\1/p' \
    "$srcdir/fuzz/fuzz.am")

failed= summary=
for h in "$@"; do
	line=$(sed -n "s/^fuzz_replay_${h}_SOURCES *= *//p" "$srcdir/fuzz/fuzz.am")
	if [ -z "$line" ]; then
		echo "make fuzz: no harness $h in fuzz/fuzz.am" >&2
		failed="$failed $h"
		continue
	fi
	srcs=
	for f in $line; do
		case $f in
		'$('*|*.h|fuzz/replay.c) ;;
		*) srcs="$srcs $srcdir/$f" ;;
		esac
	done
	extra=
	if grep -q "^fuzz_replay_${h}_LDADD.*MHD_LIBS" "$srcdir/fuzz/fuzz.am"
	then
		extra="$MHD_CFLAGS $MHD_LIBS"
	fi
	echo "== $h: build"
	# shellcheck disable=SC2086
	if ! $FUZZ_CC $FUZZ_CPPFLAGS $FUZZ_CFLAGS -o "fuzz/bin/$h" $srcs \
	    $extra $FUZZ_LIBS; then
		failed="$failed $h"
		continue
	fi
	opts="-max_len=8192"
	case $h in
	stat_http) opts="-max_len=40000" ;;
	esac
	[ -f "$srcdir/fuzz/dict/$h.dict" ] &&
	    opts="$opts -dict=$srcdir/fuzz/dict/$h.dict"
	mkdir -p "fuzz/work/$h"
	# the inputs that once failed are read too
	regress=
	[ -d "$srcdir/fuzz/regressions/$h" ] &&
	    regress="$srcdir/fuzz/regressions/$h"
	echo "== $h: $FUZZ_SECONDS s"
	# shellcheck disable=SC2086
	"fuzz/bin/$h" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="fuzz/work/$h-" $opts \
	    "fuzz/work/$h" "$srcdir/fuzz/corpus/$h" $regress \
	    >"fuzz/logs/$h.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "fuzz/logs/$h.log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' \
	    "fuzz/logs/$h.log" | tail -n 1)
	summary="$summary
$h: exit $rc, ${execs:-?} executions, $cov"
	if [ "$rc" != 0 ]; then
		failed="$failed $h"
		grep -A 30 -m 1 'ERROR:\|assertion failed' "fuzz/logs/$h.log"
	fi
done
echo "== make fuzz, $FUZZ_SECONDS s per harness:$summary"
if [ -n "$failed" ]; then
	echo "make fuzz: FAILED:$failed (see fuzz/logs/, inputs in fuzz/work/)"
	exit 1
fi
exit 0
