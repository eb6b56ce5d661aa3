#!/bin/sh
# Sample FL learner (busybox sh). Configuration comes only from the environment; progress goes to
# stdout as FLOPS-EVENT lines that the runtime parses. Exit codes: 0 stopped by SIGTERM/SIGINT,
# 1 bad configuration, 2 no data, 3 aggregator unreachable. Keep in step with process/learner.py.

# As PID 1 the shell ignores signals it has no trap for; the trap only runs between commands, so
# every wait below is `cmd & wait` (interruptible) and the trap also kills that background child.
trap 'kill $! 2>/dev/null; exit 0' TERM INT

. /actor/connect.sh
fail() { event "{\"event\":\"failed\",\"reason\":\"$(json_str "$2")\"}"; exit "$1"; }

data_dir=${FLOPS_DATA_DIR:-/data}
timeout_s=${FLOPS_CONNECT_TIMEOUT_SECONDS:-120}
aggregator=${FLOPS_AGGREGATOR:-}
[ -n "${FLOPS_ACTOR_ID:-}" ] || fail 1 "FLOPS_ACTOR_ID is not set"
case "$aggregator" in *?:[0-9]*) ;; *) fail 1 "FLOPS_AGGREGATOR must be host:port, got '$aggregator'" ;; esac
case "$timeout_s" in ''|*[!0-9]*) fail 1 "FLOPS_CONNECT_TIMEOUT_SECONDS must be whole seconds" ;; esac

# Lines of every regular top-level file of each tag's folder; dotfiles are not data. A last line
# without a newline still counts (wc -l alone would miss it).
total=0
tags=
old_ifs=$IFS; IFS=,
for tag in ${FLOPS_DATA_TAGS:-}; do
    [ -n "$tag" ] || continue
    tags=${tags:+$tags,}$tag
    [ -d "$data_dir/$tag" ] || fail 2 "no data for tag $tag in $data_dir"
    for f in "$data_dir/$tag"/*; do
        [ -f "$f" ] || continue
        n=$(wc -l <"$f")
        [ -n "$(tail -c 1 "$f")" ] && n=$((n + 1))
        total=$((total + n))
    done
done
IFS=$old_ifs
[ "$total" -gt 0 ] || fail 2 "no data for tag $tags in $data_dir"
event "{\"event\":\"data-fetched\",\"samples\":$total}"

connect_upstream "$aggregator"

while :; do sleep 1 & wait $!; done
