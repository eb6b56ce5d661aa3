#!/bin/sh
# Sample FL aggregator (busybox sh). Learners connect over TCP, send "JOIN <id>", get "WELCOME" and
# the connection is closed. A cluster aggregator (hierarchical mode, FLOPS_AGGREGATOR set) also joins
# the root aggregator above it, as a learner does. With FLOPS_TRACKING_URL set, it first waits for that
# tracking server to answer (retry with backoff, as it may still be starting): an aggregator logs its
# run there from the start. FLOPS_MIN_LEARNERS is accepted but unused by this sample. Keep in step with
# process/aggregator.py.
#
# busybox nc has no accept loop of its own, but `nc -ll -e PROG` forks PROG per connection with the
# socket on stdin/stdout; PROG is this script again with "session". Its log line goes to fd 3,
# which is the container's stdout inherited through nc.
if [ "${1:-}" = session ]; then
    # A learner that connects and leaves without JOIN (or stalls) just ends this handler.
    IFS= read -t 10 -r line || exit 0
    line=$(printf '%s' "$line" | tr -d '\r')
    case "$line" in "JOIN "?*) ;; *) exit 0 ;; esac
    echo WELCOME
    echo "learner ${line#JOIN } joined" >&3
    exit 0
fi

port=${FLOPS_LISTEN_PORT:-}
case "$port" in ''|*[!0-9]*) echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"FLOPS_LISTEN_PORT must be a port number\"}"; exit 1 ;; esac

if [ -n "${FLOPS_TRACKING_URL:-}" ]; then
    trap 'exit 0' TERM INT
    tracking_timeout_s=${FLOPS_TRACKING_TIMEOUT_SECONDS:-120}
    deadline=$(($(date +%s) + tracking_timeout_s))
    delay_ms=200
    # busybox's static wget crashes resolving names here, so speak HTTP over nc, as the learners do TCP.
    tracking=${FLOPS_TRACKING_URL#*://}; tracking=${tracking%%/*}
    until printf 'GET /health HTTP/1.0\r\nHost: %s\r\n\r\n' "$tracking" \
            | timeout 3 nc "${tracking%:*}" "${tracking##*:}" 2>/dev/null | head -n 1 | grep -q ' 200 '; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"tracking server $FLOPS_TRACKING_URL unreachable after $tracking_timeout_s s\"}"
            exit 4
        fi
        usleep $((delay_ms * 1000)) & wait $!
        delay_ms=$((delay_ms * 2)); [ "$delay_ms" -le 2000 ] || delay_ms=2000
    done
    echo "tracking server $FLOPS_TRACKING_URL reachable"
fi

exec 3>&1
. /actor/listen.sh
listen nc -ll -p "$port" -e "$0" session
echo "aggregator ${FLOPS_ACTOR_ID:-} listening on $port"
if [ -n "${FLOPS_AGGREGATOR:-}" ]; then
    . /actor/connect.sh
    # A cluster aggregator that cannot reach its root takes the whole actor down, like a learner would.
    fail() { event "{\"event\":\"failed\",\"reason\":\"$(json_str "$2")\"}"; kill $listener_pid 2>/dev/null; exit "$1"; }
    timeout_s=${FLOPS_CONNECT_TIMEOUT_SECONDS:-120}
    connect_upstream "$FLOPS_AGGREGATOR" &
fi
wait $listener_pid
echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"listener on port $port stopped\"}"
exit 1
