#!/usr/bin/env bash
# Builds and pushes an FL image pair of realistic size, for measuring pulls (tests/infra/up.sh runs it
# when FLOPS_LARGE_IMAGES=1):
#   fl-learner     FROM sample-learner + ~300 MB in three layers (torch 150, flower 100, numpy 50 MiB)
#   fl-aggregator  FROM fl-learner     + ~50 MB in one layer (mlflow)
# The filler is random, so it does not compress: what crosses the wire is what a real pair would send.
# It is generated in a temporary folder and the built images are removed from the local engine after the
# push (the registry keeps them), so they do not fill the disk.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DOCKER=${DOCKER:-/usr/bin/docker}      # docker.io's client matches the engine's API
REGISTRY=${REGISTRY:-127.0.0.1:5000}
TAG=1
LEARNER="$REGISTRY/flops/sample-learner:$TAG"
FL_LEARNER="$REGISTRY/flops/fl-learner:$TAG"
FL_AGGREGATOR="$REGISTRY/flops/fl-aggregator:$TAG"
export DOCKER_BUILDKIT=0               # BuildKit would try to resolve FROM images remotely

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/learner" "$work/aggregator"
filler() { head -c "$2" /dev/urandom >"$1"; }   # file size (head's suffixes: M = MiB)
filler "$work/learner/torch.bin" 150M
filler "$work/learner/flower.bin" 100M
filler "$work/learner/numpy.bin" 50M
filler "$work/aggregator/mlflow.bin" 50M
cp "$HERE/../aggregator/aggregator.sh" "$work/aggregator/"   # the aggregator's program, as in sample-aggregator

# The contexts hold only the filler; the Dockerfiles come from here (-f outside the context is fine for
# the classic builder).
"$DOCKER" build -q --build-arg LEARNER="$LEARNER" -t "$FL_LEARNER" -f "$HERE/learner/Dockerfile" "$work/learner"
"$DOCKER" build -q --build-arg FL_LEARNER="$FL_LEARNER" -t "$FL_AGGREGATOR" -f "$HERE/aggregator/Dockerfile" "$work/aggregator"
rm -rf "$work/learner" "$work/aggregator"
for image in "$FL_LEARNER" "$FL_AGGREGATOR"; do
    "$DOCKER" push -q "$image"
done
"$DOCKER" rmi "$FL_AGGREGATOR" "$FL_LEARNER" >/dev/null
