#!/usr/bin/env bash
# The pull benchmark's yardstick: what a site's operator would script with plain docker. Every node, all at once,
# runs `docker pull` and `docker run` of its actors on its own engine, pulling through the site's uplink: the first
# node the aggregator and a learner, every other node a learner. Each learner's `docker run` stays attached to its
# output until it prints aggregator-connected; the script ends when every learner has.
# Containers get what the agent gives them (host network, limits, no privileges, data read-only).
#   raw-docker-cluster.sh AGGREGATOR_IMAGE LEARNER_IMAGE PORT DATA_DIR NAME_PREFIX ENGINE_SOCKET...
set -euo pipefail
aggregator_image=$1 learner_image=$2 port=$3 data_dir=$4 prefix=$5
shift 5
engines=("$@") learners=$#
DOCKER=${DOCKER:-/usr/bin/docker}
common=(--network host --security-opt no-new-privileges --cap-drop ALL --label "flops.bench=$prefix"
        -e FLOPS_PROJECT_ID=00000000-0000-0000-0000-000000000000 -e FLOPS_NODE_ID=raw)

aggregator() { # engine
    "$DOCKER" -H "$1" pull -q "$aggregator_image" >/dev/null
    "$DOCKER" -H "$1" run --detach "${common[@]}" --name "$prefix-aggregator" --cpus 0.25 --memory 256m \
        -e FLOPS_ACTOR_ID="$prefix-aggregator" -e FLOPS_ROLE=aggregator -e FLOPS_LISTEN_PORT="$port" \
        -e FLOPS_MIN_LEARNERS="$learners" -e FLOPS_TRACKING_URL= "$aggregator_image" >/dev/null
}

learner() { # engine instance
    local name="$prefix-learner-$2" output run
    "$DOCKER" -H "$1" pull -q "$learner_image" >/dev/null
    # Without --sig-proxy=false, ending the attached client would stop the learner too.
    exec {output}< <(exec "$DOCKER" -H "$1" run --sig-proxy=false "${common[@]}" --name "$name" --cpus 0.5 --memory 512m \
        -v "$data_dir:/data:ro" -e FLOPS_ACTOR_ID="$name" -e FLOPS_ROLE=learner -e FLOPS_AGGREGATOR="127.0.0.1:$port" \
        -e FLOPS_DATA_TAGS=mnist -e FLOPS_DATA_DIR=/data "$learner_image" 2>&1)
    run=$!
    grep -q -m 1 '"aggregator-connected"' <&"$output" || { echo "$name ended without connecting" >&2; return 1; }
    kill "$run" 2>/dev/null || true
}

pids=()
aggregator "${engines[0]}" & pids+=($!)
for i in "${!engines[@]}"; do learner "${engines[i]}" "$i" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done
