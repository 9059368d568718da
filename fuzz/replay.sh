#!/bin/sh
# make check: each harness's replay program (fuzz/replay_NAME, built with
# the normal compiler) over every file of fuzz/corpus/NAME and
# fuzz/regressions/NAME.  Run from the build directory, as make check does.
fuzzdir=$(dirname "$0")
fail=0 harnesses=0
for dir in "$fuzzdir"/corpus/*/; do
	h=$(basename "$dir")
	bin=./fuzz/replay_$h
	harnesses=$((harnesses + 1))
	if [ ! -x "$bin" ]; then
		echo "FAIL $h: $bin is not built"
		fail=1
		continue
	fi
	if "$bin" "$fuzzdir/corpus/$h" "$fuzzdir/regressions/$h"; then
		echo "ok $h"
	else
		echo "FAIL $h"
		fail=1
	fi
done
if [ "$harnesses" = 0 ]; then
	echo "FAIL: no corpus under $fuzzdir/corpus"
	exit 1
fi
exit $fail
