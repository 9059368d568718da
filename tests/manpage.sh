#!/bin/bash
# The man page is clean mdoc and documents every option of --help.
. "$(dirname "$0")/lib.sh"
need mandoc
: "${MANPAGE:=$TESTS_DIR/../man/poolserve.1}"

out=$(mandoc -Tlint -W warning "$MANPAGE" 2>&1)
[ -z "$out" ] || fail "mandoc -Tlint: $out"
ok "mandoc -Tlint is clean"
for o in $("$POOLSERVE" --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -Eq -- "^\.It .*Fl \\\\${o#-}( |\$)" "$MANPAGE" ||
	    fail "$o has no .It entry in the man page"
done
ok "every option of --help is in the man page"
for s in SIGTERM SIGINT SIGQUIT SIGHUP SIGUSR1 SIGTTIN SIGTTOU SIGPIPE; do
	grep -q "$s" "$MANPAGE" || fail "$s not documented"
done
for r in /sleep/ /cpu/ /hit /echo /info; do
	grep -q "$r" "$MANPAGE" || fail "route $r not documented"
done
ok "signals and routes documented"
