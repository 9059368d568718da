#!/usr/bin/env bash
# bench/hello.sh [-d SECONDS] [-r REPEATS]: the hello suite, kept under its
# old name; the same as "bench/run [-d SECONDS] [-r REPEATS] hello".
# See bench/README.md.
exec "$(dirname "$0")/run" "$@" hello
