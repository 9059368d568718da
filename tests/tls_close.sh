#!/bin/bash
# Every way a TLS connection ends, in one worker, with the reason counted:
# a request with Connection: close, keep-alive requests and the client's
# close, a client that refuses the certificate, garbage, plain HTTP
# (400), a silent client, a cut ClientHello.  libmicrohttpd 0.9.75 frees a connection's GnuTLS session
# before it says the connection closed, so poolserve must not touch the
# session then: make check-valgrind runs this test under memcheck, where
# a write into it is an error; here the worker must simply stay the same.
. "$(dirname "$0")/lib.sh"

need openssl
C=$TMP/certs
mkdir -p "$C"
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$C/key.pem" -out "$C/cert.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    2>/dev/null &&
openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$C/other.key" -out "$C/other.pem" -days 2 -subj "/CN=other" \
    2>/dev/null || fail "cannot make the certificates"
SPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_server --threads 2 --read-timeout 2 \
    --https "127.0.0.1:0,$C/cert.pem,$C/key.pem" --stats "127.0.0.1:$SPORT"
TPORT=$(sed -n 's|.*listening on .*https://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
    "$TMP/err" | head -n 1)
[ -n "$TPORT" ] || fail "no https port in the log"
metric() {	# metric NAME{LABELS}: its value
	curl -s --max-time 10 "http://127.0.0.1:$SPORT/metrics" |
	    awk -v m="$1" '$1 == m { print $2 }'
}
fails() {
	metric "poolserve_tls_handshake_failures_total{worker=\"1\",reason=\"$1\"}"
}
conns_are() {
	[ "$(metric 'poolserve_connections{worker="1"}')" = "$1" ]
}
pid1=$(worker_pids)

# requests: one per connection, then three on one keep-alive connection
for i in 1 2; do
	body=$(curl -s --max-time 30 --cacert "$C/cert.pem" \
	    -H 'Connection: close' "https://127.0.0.1:$TPORT/")
	[ "$body" = "Hello, world!" ] || fail "request $i over HTTPS: '$body'"
done
n=$(curl -s --max-time 30 --cacert "$C/cert.pem" \
    "https://127.0.0.1:$TPORT/" "https://127.0.0.1:$TPORT/" \
    "https://127.0.0.1:$TPORT/" | grep -o 'Hello, world!' | wc -l)
[ "$n" = 3 ] || fail "3 keep-alive requests over HTTPS: $n answers"
[ "$(metric 'poolserve_tls_handshakes_total{worker="1",version="TLS1.3"}')" = 3 ] ||
    fail "TLS 1.3 handshakes: $(metric 'poolserve_tls_handshakes_total{worker="1",version="TLS1.3"}')"

# a client that does not trust the certificate: it sends an alert and
# leaves; counted as client_alert when GnuTLS read the alert before the
# end of the stream closed the connection, else as incomplete
a0=$(( $(fails client_alert) + $(fails incomplete) ))
echo | timeout 30 openssl s_client -connect "127.0.0.1:$TPORT" \
    -CAfile "$C/other.pem" -verify_return_error >"$TMP/alert" 2>&1
grep -q 'verify error' "$TMP/alert" ||
    fail "openssl s_client did not refuse the certificate: $(tail -n 5 "$TMP/alert")"
wait_until 10 conns_are 0 || fail "the refusing client's connection is left"
a1=$(( $(fails client_alert) + $(fails incomplete) ))
[ "$a1" = $((a0 + 1)) ] ||
    fail "client_alert + incomplete $a1, expected $((a0 + 1))"

# garbage, plain HTTP, a silent client, a cut ClientHello
g0=$(fails not_tls) h0=$(fails plain_http) s0=$(fails silent)
i0=$(fails incomplete)
python3 - "$TPORT" <<'EOF' || fail "bad input client"
import socket, ssl, sys
import httpc
port = int(sys.argv[1])
def send(data):
    return httpc.send_all(port, data, timeout=30)
send(bytes(range(256)) * 4)                          # garbage
out = send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")     # plain HTTP
assert out.startswith(b"HTTP/1.1 400 "), out
socket.create_connection(("127.0.0.1", port), timeout=30).close()  # silent
inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ssl.create_default_context().wrap_bio(inc, outg,
    server_hostname="127.0.0.1")
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outg.read()
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(hello[:len(hello) // 2])                   # a cut ClientHello
s.close()
EOF
wait_until 10 conns_are 0 || fail "connections left after bad input"
[ "$(fails not_tls)" = $((g0 + 1)) ] &&
[ "$(fails plain_http)" = $((h0 + 1)) ] &&
[ "$(fails silent)" = $((s0 + 1)) ] &&
[ "$(fails incomplete)" = $((i0 + 1)) ] ||
    fail "failures: not_tls $(fails not_tls), plain_http $(fails plain_http), silent $(fails silent), incomplete $(fails incomplete)"
[ "$(worker_pids)" = "$pid1" ] ||
    fail "the worker changed: $pid1 -> $(worker_pids)"
body=$(curl -s --max-time 30 --cacert "$C/cert.pem" "https://127.0.0.1:$TPORT/")
[ "$body" = "Hello, world!" ] || fail "after the closes: '$body'"
ok "TLS closes: 3 handshakes, a refused certificate, garbage, plain HTTP, silent, a cut ClientHello: counted by reason, 0 connections left, same worker"
stop_server || fail "poolserve exited with $?"
