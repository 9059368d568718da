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

# What -Tlint cannot see: how it renders.  Macros that leak into the
# text, a flag glued to a word, and the Allow lists the server sends.
# (a quote inside a quote: a partial-implicit macro such as Ql or Dq runs
# to the end of its line, so a second one on that line nests).  Every
# page beside this one too.
for page in "$MANPAGE" "$(dirname "$MANPAGE")"/poolserve-stat.1 \
    "$(dirname "$MANPAGE")"/poolserve_module.3; do
	text=$(mandoc -Tutf8 "$page" | col -b)
	for bad in ' Dq ' ' Fl ' ' Ar ' ' Pq ' ' Ns ' ' Ql ' ' -or ' ' -and ' \
	    '’’' '””'; do
		echo "$text" | grep -qF -- "$bad" &&
		    fail "$(basename "$page") renders '$bad': $(echo "$text" | grep -F -- "$bad" | head -n 1)"
	done
done
text=$(mandoc -Tutf8 "$MANPAGE" | col -b)
for allow in 'Allow: GET, HEAD, OPTIONS' 'Allow: POST, OPTIONS'; do
	echo "$text" | grep -qF "$allow" || fail "ROUTES does not say $allow"
done
echo "$text" | grep -qF 'Allow: GET, HEAD”' && fail "an Allow list without OPTIONS"
ok "the rendered page has no leaked macros and the Allow lists the lab sends"
