#!/bin/sh
# CI: every fuzzing harness, built with clang libFuzzer and ASan + UBSan by
# make fuzz (fuzz/run.sh), run for FUZZ_SECONDS (10) each from the
# committed corpus alone: fuzz/work is emptied first, so a run does not
# start from what earlier runs found.  Fails when a harness does not
# build, crashes or fails one of its checks; the failing inputs are then
# printed in hex, so that the CI log is enough to reproduce them.
#
#	fuzz/ci.sh [BUILDDIR]		(default: the current directory,
#					which ./configure has set up)
set -u
: "${FUZZ_SECONDS:=10}"
cd "${1:-.}" || exit 1
if [ ! -f Makefile ]; then
	echo "fuzz/ci.sh: no Makefile in $(pwd): run ./configure first" >&2
	exit 1
fi
rm -rf fuzz/work fuzz/logs
make fuzz FUZZ_SECONDS="$FUZZ_SECONDS"
rc=$?
if [ "$rc" != 0 ]; then
	for f in fuzz/work/*-crash-* fuzz/work/*-leak-* fuzz/work/*-timeout-* \
	    fuzz/work/*-oom-*; do
		[ -f "$f" ] || continue
		echo "== $f ($(wc -c <"$f") bytes):"
		od -An -tx1 -v "$f" | head -n 64
	done
fi
exit "$rc"
