# Sourced by the learner and by a cluster aggregator: the actor protocol's progress lines, and the join of
# the aggregator above (FLOPS_AGGREGATOR) with retry and backoff, as it may still be pulling. The sourcing
# script defines fail (its exit differs). The aggregator answers WELCOME and closes; `timeout` bounds an
# attempt against one that doesn't.
json_str() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
event() { echo "FLOPS-EVENT $1"; }

connect_upstream() {
    host=${1%:*} port=${1##*:}
    deadline=$(($(date +%s) + timeout_s))
    delay_ms=200
    while :; do
        reply=$(printf 'JOIN %s\n' "$FLOPS_ACTOR_ID" | timeout 3 nc "$host" "$port" 2>/dev/null | tr -d '\r')
        case "$reply" in WELCOME*) break ;; esac
        [ "$(date +%s)" -lt "$deadline" ] || fail 3 "aggregator $1 unreachable after $timeout_s s"
        usleep $((delay_ms * 1000)) & wait $!
        delay_ms=$((delay_ms * 2)); [ "$delay_ms" -le 2000 ] || delay_ms=2000
    done
    event '{"event":"aggregator-connected"}'
}
