#!/bin/bash
# More keep-alive clients than threads: every client is served (FIFO), no
# connection monopolises the threads.
. "$(dirname "$0")/lib.sh"

start_server --threads 2 --disable-logging
read -r min max total < <($CLIENT --port "$PORT" fair --conns 50 --seconds 3)
[ "$min" -gt 0 ] || fail "a client got no response (min $min, max $max)"
[ $((min * 4)) -ge "$max" ] ||
    fail "unfair: min $min, max $max responses per connection"
ok "50 keep-alive clients on 2 threads: $total responses, min $min, max $max"
