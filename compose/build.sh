#!/usr/bin/env bash
# Makes what compose/docker-compose.yml builds its images from, with no public image registry:
#   flopsbus/debian:bookworm  a Debian root filesystem made here with debootstrap and `docker import`ed; the broker,
#                             database, registry and Prometheus images are built FROM it (apt-get from Debian's mirror)
#   flopsbus/dotnet:10.0      that base with the .NET and ASP.NET Core runtimes of this machine's SDK (the shape of
#                             Microsoft's aspnet image: `dotnet` on PATH, user app, uid 1654)
#   compose/.build/<service>  each service published framework-dependent (its own dlls only), the build context of its
#                             image (compose/Dockerfile, FROM flopsbus/dotnet:10.0); the output is cached by source hash
# Both bases are cached: the engine keeps the image, labelled with a hash of its recipe, and $STATE/compose keeps the
# debootstrap tar, so a base is remade only when its recipe changes (debootstrap takes minutes, an import seconds).
# Where public images are reachable, FLOPS_DEBIAN_IMAGE=debian:bookworm-slim and
# FLOPS_DOTNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0 name public bases instead and this script makes neither.
#
# compose/build.sh --broker-only [env file] makes the Debian base and, FROM it, the stack's broker image
# flopsbus/rabbitmq:3.10 (compose/images/rabbitmq, as compose builds it), and nothing else: tests/infra/up.sh calls it
# for the tests that start a broker of their own (tests/FlopsBus.Testing/PrivateBroker.cs), which need no .NET base
# and no published services. A second run rebuilds nothing (the builder's cache).
set -euo pipefail

broker_only=
if [[ ${1:-} == --broker-only ]]; then broker_only=1; shift; fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
STATE="${FLOPS_INFRA_STATE:-/var/tmp/flopsbus-infra}"
CACHE="$STATE/compose"
DOCKER=/usr/bin/docker   # docker.io's client: it speaks the engine's API (a newer client may be first on PATH)
# As compose reads them: the environment first, then the env file (compose/.env, or the one named as the argument).
env_file=${1:-$HERE/.env}
from_env_file() { [[ ! -f $env_file ]] || sed -n "s/^$1=//p" "$env_file" | tail -n 1; }
DEBIAN_IMAGE=${FLOPS_DEBIAN_IMAGE:-$(from_env_file FLOPS_DEBIAN_IMAGE)}
DEBIAN_IMAGE=${DEBIAN_IMAGE:-flopsbus/debian:bookworm}
DOTNET_IMAGE=${FLOPS_DOTNET_IMAGE:-$(from_env_file FLOPS_DOTNET_IMAGE)}
DOTNET_IMAGE=${DOTNET_IMAGE:-flopsbus/dotnet:10.0}
MIRROR=${FLOPS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the .NET runtime needs (libicu for the services that format for a culture; the agent is invariant).
BASE_PACKAGES=ca-certificates,libicu72,libssl3,zlib1g,libstdc++6,tzdata
export DOCKER_BUILDKIT=0   # BuildKit would look the FROM image up in a registry; the classic builder uses the local one

mkdir -p "$CACHE"
report() { printf '  %-10s  %s\n' "$1" "$2"; }
fail() { report "$1" "FAILED ($2)"; [[ ! -f ${3:-} ]] || { echo "---- last 30 lines of $3"; tail -n 30 "$3"; }; exit 1; }
label_of() { "$DOCKER" image inspect -f '{{index .Config.Labels "flopsbus.recipe"}}' "$1" 2>/dev/null || true; }

# ---- Debian base: debootstrap, with this machine's apt sources (the mirror the images' apt-get reaches)
apt_config() { # the host's apt sources and Acquire settings (a proxy, a snapshot mirror's dates), copied into the base
    { find /etc/apt/sources.list /etc/apt/sources.list.d -maxdepth 1 -type f \( -name '*.list' -o -name '*.sources' \) 2>/dev/null || true; } | sort
    { grep -l '^Acquire' /etc/apt/apt.conf.d/* 2>/dev/null || true; } | sort
}
make_rootfs() { # folder: the recipe (its text is part of the hash that names the cached tar)
    debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$1" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
        || fail debian "debootstrap" "$CACHE/debootstrap.log"
    rm -f "$1/etc/apt/sources.list"
    apt_config | while read -r f; do cp "$f" "$1$f"; done
    # As Debian's official images: no service starts when a package is installed, no cached packages or lists.
    printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d" && chmod 755 "$1/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$1/etc/apt/apt.conf.d/90flopsbus"
    rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/var/log/*.log
}
debian_hash=$( { echo "$BASE_PACKAGES $MIRROR"; declare -f make_rootfs; apt_config | xargs -r cat; } | sha256sum | cut -c1-16)
if [[ $DEBIAN_IMAGE != flopsbus/* ]]; then
    report debian "$DEBIAN_IMAGE (not built here)"
elif [[ $(label_of "$DEBIAN_IMAGE") == "$debian_hash" ]]; then
    report debian "$DEBIAN_IMAGE up to date"
else
    tarball="$CACHE/debian-bookworm-$debian_hash.tar"
    if [[ ! -s $tarball ]]; then
        command -v debootstrap >/dev/null || fail debian "debootstrap is not installed (apt-get install debootstrap)"
        started=$SECONDS root="$CACHE/rootfs.$$"
        trap 'rm -rf "$root"' EXIT
        make_rootfs "$root"
        tar --numeric-owner -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$root" && trap - EXIT
        find "$CACHE" -maxdepth 1 -name 'debian-bookworm-*.tar' ! -name "${tarball##*/}" -delete   # older recipes
        report debian "debootstrap in $((SECONDS - started)) s"
    fi
    "$DOCKER" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' \
        -c "LABEL flopsbus.recipe=$debian_hash" \
        -c "LABEL org.flopsbus.image=compose" "$tarball" "$DEBIAN_IMAGE" >/dev/null || fail debian "docker import"
    report debian "$DEBIAN_IMAGE imported from $tarball"
fi

# ---- the broker image alone (--broker-only), FROM the Debian base as compose/docker-compose.yml builds it: same
# Dockerfile, context and build argument, so compose's build and this one share the builder's cache and the tag.
if [[ -n $broker_only ]]; then
    BROKER_IMAGE=flopsbus/rabbitmq:3.10
    started=$SECONDS
    "$DOCKER" build -q --network host --build-arg BASE="$DEBIAN_IMAGE" -t "$BROKER_IMAGE" "$HERE/images/rabbitmq" \
        >"$CACHE/rabbitmq-build.log" 2>&1 || fail rabbitmq "docker build" "$CACHE/rabbitmq-build.log"
    "$DOCKER" image prune -f --filter label=org.flopsbus.image=compose >/dev/null   # one this build replaced
    report rabbitmq "$BROKER_IMAGE up to date in $((SECONDS - started)) s"
    exit 0
fi


# ---- .NET base: the runtimes this SDK runs with (framework-dependent services need the shared frameworks only)
if [[ $DOTNET_IMAGE != flopsbus/* ]]; then
    report dotnet "$DOTNET_IMAGE (not built here)"
else
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    runtimes=$(cd "$dotnet_root" && ls -d shared/Microsoft.NETCore.App/10.* shared/Microsoft.AspNetCore.App/10.* | sort -V)
    netcore=$(grep NETCore <<<"$runtimes" | tail -n 1) aspnet=$(grep AspNetCore <<<"$runtimes" | tail -n 1)
    [[ -n $netcore && -n $aspnet ]] || fail dotnet "no .NET 10 and ASP.NET Core 10 runtimes under $dotnet_root/shared"
    dotnet_hash=$( { echo "$netcore $aspnet"; "$DOCKER" image inspect -f '{{.Id}}' "$DEBIAN_IMAGE" 2>/dev/null || echo "$DEBIAN_IMAGE"; cat "$HERE/images/dotnet/Dockerfile"; } \
                   | sha256sum | cut -c1-16)
    if [[ $(label_of "$DOTNET_IMAGE") == "$dotnet_hash" ]]; then
        report dotnet "$DOTNET_IMAGE up to date (${netcore##*/})"
    else
        context="$CACHE/dotnet-context"
        rm -rf "$context" && mkdir -p "$context/dotnet/shared"
        cp "$HERE/images/dotnet/Dockerfile" "$context/"
        cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$context/dotnet/"
        for framework in "$netcore" "$aspnet"; do
            mkdir -p "$context/dotnet/$(dirname "$framework")" && cp -a "$dotnet_root/$framework" "$context/dotnet/$framework"
        done
        "$DOCKER" build -q --network host --build-arg BASE="$DEBIAN_IMAGE" --label "flopsbus.recipe=$dotnet_hash" \
            -t "$DOTNET_IMAGE" "$context" >"$CACHE/dotnet-build.log" 2>&1 || fail dotnet "docker build" "$CACHE/dotnet-build.log"
        rm -rf "$context"
        report dotnet "$DOTNET_IMAGE built (${netcore##*/}, ${aspnet##*/})"
    fi
fi

# ---- the services, published framework-dependent: the build context of each service's image. The output is kept in
# $STATE/compose/publish under a hash of the sources, so a fresh clone of the same sources publishes nothing and gives
# the same bytes to the image builds (whose COPY then comes from the builder's cache).
services=(planner:services/planner/FlopsBus.Planner.Host deployment:services/deployment/FlopsBus.Deployment.Host
          agent:services/agent/FlopsBus.Agent.Host cli:services/cli/FlopsBus.Cli)
publish_hash=$( { dotnet --version; cd "$ROOT" && find services shared Directory.Build.props Directory.Build.targets Directory.Packages.props \
                    \( -name bin -o -name obj -o -name images \) -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum; } \
                | sha256sum | cut -c1-16)
published="$CACHE/publish/$publish_hash"
started=$SECONDS
if [[ -f $published/done ]]; then
    how="from $published"
else
    rm -rf "$CACHE/publish" && mkdir -p "$published"
    for service in "${services[@]}"; do
        name=${service%%:*} project=${service#*:}
        DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$ROOT/$project" -c Release --no-self-contained \
            -p:UseAppHost=false -o "$published/$name" -v quiet -nologo -tl:off >"$CACHE/publish.log" 2>&1 \
            || fail publish "$project" "$CACHE/publish.log"
    done
    touch "$published/done"
    how="published"
fi
for service in "${services[@]}"; do
    name=${service%%:*} out="$HERE/.build/${service%%:*}"
    rm -rf "$out" && mkdir -p "$out"
    cp "$HERE/Dockerfile" "$out/Dockerfile" && cp -a "$published/$name" "$out/app"
done
report services "planner, deployment, agent, cli $how in $((SECONDS - started)) s"
# Images of the stack that a newer build replaced (untagged, no container): only those labelled as ours.
"$DOCKER" image prune -f --filter label=org.flopsbus.image=compose >/dev/null
