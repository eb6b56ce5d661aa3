#!/usr/bin/env bash
# Builds the sample actor images without Docker Hub and pushes them to the local registry:
#   busybox-base  imported from a rootfs holding only the host's static busybox and base/listen.sh
#   sample-learner     FROM busybox-base
#   sample-aggregator  FROM sample-learner (a superset sharing its layers)
#   sample-tracking    FROM busybox-base (the customer's tracking server)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DOCKER=${DOCKER:-/usr/bin/docker}      # docker.io's client matches the engine's API
REGISTRY=${REGISTRY:-127.0.0.1:5000}
TAG=1
BASE="$REGISTRY/flops/busybox-base:$TAG"
LEARNER="$REGISTRY/flops/sample-learner:$TAG"
AGGREGATOR="$REGISTRY/flops/sample-aggregator:$TAG"
TRACKING="$REGISTRY/flops/sample-tracking:$TAG"
export DOCKER_BUILDKIT=0               # BuildKit would try to resolve FROM images remotely

busybox=/bin/busybox
if ldd "$busybox" >/dev/null 2>&1; then   # ldd fails on a static binary, which is what we need
    echo "$busybox is dynamically linked: apt-get install busybox-static" >&2; exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/bin" "$root/etc" "$root/data" "$root/actor" "$root/root"
mkdir -m 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done
cp "$HERE/base/listen.sh" "$root/actor/listen.sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$work/rootfs.tar" .

"$DOCKER" import --change 'ENV PATH=/bin' "$work/rootfs.tar" "$BASE"
"$DOCKER" build -q --build-arg BASE="$BASE" -t "$LEARNER" "$HERE/learner"
"$DOCKER" build -q --build-arg LEARNER="$LEARNER" -t "$AGGREGATOR" "$HERE/aggregator"
"$DOCKER" build -q --build-arg BASE="$BASE" -t "$TRACKING" "$HERE/tracking"
for image in "$BASE" "$LEARNER" "$AGGREGATOR" "$TRACKING"; do
    "$DOCKER" push -q "$image"
done
