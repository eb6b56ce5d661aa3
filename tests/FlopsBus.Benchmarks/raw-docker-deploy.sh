#!/usr/bin/env bash
# The agent benchmark's yardstick: the fastest plain script that deploys what the agents deploy, with nothing but
# `docker pull` and `docker run`. Both images are pulled at once; each actor starts as soon as its image is there,
# the learners side by side, each `docker run` attached to its learner's output (no second `docker logs` process
# per learner) until it prints aggregator-connected; the script ends when every learner has.
# Containers get what the agent gives them (host network, limits, no privileges, data read-only), so the two
# sides differ only in who drives the engine.
#   raw-docker-deploy.sh AGGREGATOR_IMAGE LEARNER_IMAGE PORT DATA_DIR LEARNERS NAME_PREFIX
set -euo pipefail
aggregator_image=$1 learner_image=$2 port=$3 data_dir=$4 learners=$5 prefix=$6
DOCKER=${DOCKER:-/usr/bin/docker}
common=(--network host --security-opt no-new-privileges --cap-drop ALL --label "flops.bench=$prefix"
        -e FLOPS_PROJECT_ID=00000000-0000-0000-0000-000000000000 -e FLOPS_NODE_ID=raw)

aggregator() {
    "$DOCKER" pull -q "$aggregator_image" >/dev/null
    "$DOCKER" run --detach "${common[@]}" --name "$prefix-aggregator" --cpus 0.25 --memory 256m \
        -e FLOPS_ACTOR_ID="$prefix-aggregator" -e FLOPS_ROLE=aggregator -e FLOPS_LISTEN_PORT="$port" \
        -e FLOPS_MIN_LEARNERS="$learners" -e FLOPS_TRACKING_URL= "$aggregator_image" >/dev/null
}

learner() { # instance
    local name="$prefix-learner-$1" output run
    # Without --sig-proxy=false, ending the attached client would stop the learner too.
    exec {output}< <(exec "$DOCKER" run --sig-proxy=false "${common[@]}" --name "$name" --cpus 0.5 --memory 512m \
        -v "$data_dir:/data:ro" -e FLOPS_ACTOR_ID="$name" -e FLOPS_ROLE=learner -e FLOPS_AGGREGATOR="127.0.0.1:$port" \
        -e FLOPS_DATA_TAGS=mnist -e FLOPS_DATA_DIR=/data "$learner_image" 2>&1)
    run=$!
    grep -q -m 1 '"aggregator-connected"' <&"$output" || { echo "$name ended without connecting" >&2; return 1; }
    kill "$run" 2>/dev/null || true
}

learners() {
    "$DOCKER" pull -q "$learner_image" >/dev/null
    local pids=() i
    for ((i = 0; i < learners; i++)); do learner "$i" & pids+=($!); done
    for i in "${pids[@]}"; do wait "$i"; done
}

aggregator & aggregator_pid=$!
learners & learners_pid=$!
wait "$aggregator_pid"
wait "$learners_pid"
