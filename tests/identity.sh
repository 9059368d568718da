#!/bin/bash
# --user/--group/--allow-root: the master binds (and stays root), the
# workers run as the user; an unknown user or root without --allow-root
# is refused; not root, --user is ignored with a warning.
. "${TESTS_DIR:-$(dirname "$0")}/lib.sh"

# the real binary: lib.sh may wrap it with --allow-root when run as root
BIN=${POOLSERVE_BIN:-$POOLSERVE}

expect_exit() {
	local want=$1 msg=$2
	shift 2
	"$BIN" "$@" >"$TMP/o" 2>"$TMP/e"
	local rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, expected $want ($(cat "$TMP/e"))"
	grep -qF -- "$msg" "$TMP/e" || fail "$*: message '$(cat "$TMP/e")', expected '$msg'"
	[ "$(wc -l <"$TMP/e")" = 1 ] || fail "$*: more than one line: $(cat "$TMP/e")"
}

expect_exit 64 "poolserve: --user no-such-user-here: no such user" \
    --user no-such-user-here --check
expect_exit 64 "poolserve: --group no-such-group-here: no such group" \
    --user "$(id -un)" --group no-such-group-here --check
ok "unknown --user or --group: exit 64 naming it"

if [ "$(id -u)" != 0 ]; then
	"$BIN" --user root --check >"$TMP/o" 2>"$TMP/e" ||
	    fail "not root: --user root should only warn: $(cat "$TMP/e")"
	grep -q "warning: --user and --group need root; ignored" "$TMP/e" ||
	    fail "no warning: $(cat "$TMP/e")"
	skip "not root: privilege dropping not checked"
fi
id nobody >/dev/null 2>&1 || skip "no user nobody"

# As root, workers as root need saying so.
expect_exit 64 "poolserve: refusing to run the workers as root: add --user USER (e.g. --user nobody), or --allow-root" \
    --check
expect_exit 64 "refusing to run the workers as root" --group nogroup --check
"$BIN" --allow-root --check >"$TMP/o" 2>"$TMP/e" ||
    fail "--allow-root --check: $(cat "$TMP/e")"
ok "as root, without --user or --allow-root: exit 64, one line saying what to add"

expect_exit 64 "--allow-root" --user root --check
"$BIN" --user root --allow-root --check >"$TMP/o" 2>"$TMP/e" ||
    fail "--user root --allow-root: $(cat "$TMP/e")"
ok "--user root needs --allow-root"

UID_NOBODY=$(id -u nobody)
GID_NOBODY=$(id -g nobody)
chmod 755 "$TMP"
start_server --user nobody --processes 2 --threads 2 \
    --access-log "$TMP/access.log"
grep -q "workers run as uid $UID_NOBODY gid $GID_NOBODY" "$TMP/err" ||
    fail "no identity line: $(head -n 3 "$TMP/err")"
awk '/^Uid:/ {exit !($2 == 0 && $3 == 0)}' "/proc/$PID/status" ||
    fail "the master is not root: $(grep Uid "/proc/$PID/status")"
for w in $(worker_pids); do
	read -r _ r e s f < <(grep '^Uid:' "/proc/$w/status")
	[ "$r $e $s $f" = "$UID_NOBODY $UID_NOBODY $UID_NOBODY $UID_NOBODY" ] ||
	    fail "worker $w uids: $r $e $s $f"
	read -r _ r e s f < <(grep '^Gid:' "/proc/$w/status")
	[ "$r $e $s $f" = "$GID_NOBODY $GID_NOBODY $GID_NOBODY $GID_NOBODY" ] ||
	    fail "worker $w gids: $r $e $s $f"
	groups=$(awk '/^Groups:/ {$1 = ""; print}' "/proc/$w/status")
	case " $groups " in *" 0 "*) fail "worker $w keeps group 0: $groups" ;; esac
done
[ "$(get /)" = "Hello, world!" ] || fail "not served as nobody"
ok "--user nobody: the master stays root, the workers run as nobody (all uids, gids, no group 0) and serve"

# The workers can reopen the access log: the master hands it to them.
[ "$(stat -c %u "$TMP/access.log")" = "$UID_NOBODY" ] ||
    fail "access log owner $(stat -c %U "$TMP/access.log")"
mv "$TMP/access.log" "$TMP/access.log.1"
kill -USR1 "$PID"
wait_until 5 test -f "$TMP/access.log" || fail "no new access log"
sleep 0.3
for i in 1 2 3 4; do get /hit >/dev/null; done
wait_until 5 sh -c "[ \$(wc -l <'$TMP/access.log') -ge 4 ]" ||
    fail "after SIGUSR1 the workers do not write the new log: $(tail -n 3 "$TMP/err")"
grep -q "reopening the access log" "$TMP/err" && fail "reopen failed: $(grep reopening "$TMP/err")"
ok "SIGUSR1 with --user: the new access log belongs to nobody and the workers write it"

# A respawned worker drops privileges too.
victim=$(worker_pids | head -n 1)
kill -KILL "$victim"
wait_until 10 grep -q "respawned" "$TMP/err" || fail "no respawn"
new=$(sed -n 's/.*respawned (pid \([0-9]*\).*/\1/p' "$TMP/err" | tail -n 1)
wait_until 5 test -e "/proc/$new/status" || fail "respawned pid $new not found"
runs_as_nobody() {
	awk -v u="$UID_NOBODY" '/^Uid:/ {exit !($3 == u)}' "/proc/$new/status"
}
wait_until 5 runs_as_nobody ||
    fail "respawned worker uid: $(grep Uid "/proc/$new/status")"
ok "a respawned worker runs as nobody too"
stop_server
