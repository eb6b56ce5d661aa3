#!/usr/bin/env bash
# Brings up the local test infrastructure: dockerd, one more engine per simulated node, image registry,
# RabbitMQ, PostgreSQL and the sample actor images (plus a large FL image pair with FLOPS_LARGE_IMAGES=1).
# Idempotent: whatever already answers is reused, so a warm run is fast.
# Everything listens on 127.0.0.1 only; state and logs live in $FLOPS_INFRA_STATE (/var/tmp/flopsbus-infra).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Outside the checkout: the broker and the database run as their own users, who may not be able to
# enter the folder a checkout sits in (CI clones into a private temporary folder). One state for every
# checkout on the machine, as the services and their ports are one per machine too.
STATE="${FLOPS_INFRA_STATE:-/var/tmp/flopsbus-infra}"
DOCKER=/usr/bin/docker   # docker.io's client: it speaks the engine's API (a newer client may be first on PATH)
REGISTRY=127.0.0.1:5000
PG_PORT=5432
# The default guest/guest account is fine here: the broker listens on loopback only and is a
# throwaway test broker (RabbitMQ itself refuses guest from non-loopback peers).
RABBIT_USER=guest RABBIT_PASS=guest
export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672

mkdir -p "$STATE" && chmod 755 "$STATE"
report() { printf '  %-10s  %s\n' "$1" "$2"; }
fail() { # component logfile reason
    report "$1" "FAILED ($3)"
    if [[ -f "$2" ]]; then echo "---- last 30 lines of $2"; tail -n 30 "$2"; fi
    exit 1
}
wait_for() { # seconds pid command...: poll the command until it succeeds; give up if pid died
    local deadline=$((SECONDS + $1)) pid=$2; shift 2
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}
start_detached() { # logfile command...: must outlive this script; its pid ends up in $!
    setsid nohup "${@:2}" >"$1" 2>&1 </dev/null &
}

# ---- packages
pg_bin() { # newest installed PostgreSQL's bin dir (Debian keeps initdb/pg_ctl off PATH)
    local d; d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n $d ]]; then echo "$d"; else dirname "$(command -v pg_ctl)"; fi
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=()
installed docker.io || missing+=(docker.io)
installed docker-registry || missing+=(docker-registry)
installed busybox-static || missing+=(busybox-static)   # the dynamic busybox can't be copied into an image
installed rabbitmq-server || missing+=(rabbitmq-server)
command -v curl >/dev/null || missing+=(curl)
installed debootstrap || missing+=(debootstrap)   # the Debian base of the broker image (compose/build.sh)
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null || missing+=(nginx)   # the edge registry cache (registry-cache.conf)
{ command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 || [[ -x "$(pg_bin)/initdb" ]] || missing+=(postgresql)
if ((${#missing[@]})); then
    # Keep the packages' postinst scripts from starting their services: Debian's dockerd would create
    # the docker0 bridge (172.17.x is off limits) and rabbitmq/postgres/nginx would take our ports.
    own_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
        >>"$STATE/apt.log" 2>&1 || { [[ -z $own_policy ]] || rm -f /usr/sbin/policy-rc.d; fail packages "$STATE/apt.log" "apt-get install ${missing[*]}"; }
    [[ -z $own_policy ]] || rm -f /usr/sbin/policy-rc.d
    report packages "installed ${missing[*]}"
fi
PGBIN=$(pg_bin)

# ---- dockerd
docker_up() { timeout 10 "$DOCKER" version; }
if docker_up >/dev/null 2>&1; then
    report dockerd "up (already running)"
else
    start_detached "$STATE/dockerd.log" dockerd --bridge=none --iptables=false --ip-masq=false
    wait_for 60 $! docker_up || fail dockerd "$STATE/dockerd.log" "docker version does not answer"
    report dockerd "up (started)"
fi

# ---- per-node engines: one dockerd per simulated node (FLOPS_ENGINES of them, 0 for none), each with its
# own state and socket under $STATE/engines/<i>/ (node-engine.sh), which the tests reach with
# `docker -H unix://$STATE/engines/<i>/docker.sock`. Missing ones start together, then are waited for
# together, so ten engines take about as long as one.
ENGINES=${FLOPS_ENGINES:-3}
[[ $ENGINES =~ ^[0-9]+$ ]] || fail engines /dev/null "FLOPS_ENGINES=$ENGINES is not a number"
NODE_ENGINE="$ROOT/tests/infra/node-engine.sh"
if ((ENGINES > 0)); then
    started=0
    for ((i = 1; i <= ENGINES; i++)); do
        timeout 10 "$DOCKER" -H "unix://$STATE/engines/$i/docker.sock" version >/dev/null 2>&1 && continue
        bash "$NODE_ENGINE" start "$i" && started=$((started + 1))
    done
    for ((i = 1; i <= ENGINES; i++)); do
        bash "$NODE_ENGINE" wait "$i" 60 2>>"$STATE/engines.log" \
            || fail "engine $i" "$STATE/engines.log" "node engine $i does not answer"
    done
    report engines "$ENGINES up ($started started)"
fi

# ---- image registry
registry_up() { curl -fsS --max-time 3 -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null; }
if registry_up; then
    report registry "up (already running)"
else
    mkdir -p "$STATE/registry/data"
    cat >"$STATE/registry/config.yml" <<YML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $STATE/registry/data}
  delete: {enabled: true}
http: {addr: $REGISTRY}
YML
    start_detached "$STATE/registry.log" docker-registry serve "$STATE/registry/config.yml"
    echo $! >"$STATE/registry.pid"
    wait_for 30 $! registry_up || fail registry "$STATE/registry.log" "http://$REGISTRY/v2/ does not answer"
    report registry "up (started)"
fi

# ---- RabbitMQ (data, logs and plugin list in the state dir, owned by the rabbitmq user it runs as)
rabbit_up() { curl -fsS --max-time 3 -o /dev/null -u "$RABBIT_USER:$RABBIT_PASS" http://127.0.0.1:15672/api/overview 2>/dev/null; }
export RABBITMQ_MNESIA_BASE="$STATE/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$STATE/rabbitmq/log" \
       RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/rabbitmq/enabled_plugins" \
       RABBITMQ_CONFIG_FILE="$STATE/rabbitmq/rabbitmq.conf"
# Loopback only for the other listeners too: management (:15672), Erlang distribution (:25672)
# and epmd (:4369) default to every interface.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
       ERL_EPMD_ADDRESS=127.0.0.1
if rabbit_up; then
    report rabbitmq "up (already running)"
else
    mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    # Enabling the plugins through the file avoids a rabbitmq-plugins round trip to a running node. The shovel
    # moves messages out of an error queue when an operator replays them (flops errors replay).
    echo '[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    # max_message_size: the broker refuses bodies over 8 MiB outright (the planner's own limit on a submission,
    # Planner:MaxSubmissionBytes, is far lower; this one bounds every queue).
    # collect_statistics_interval: see compose/images/rabbitmq/entrypoint.sh.
    printf 'management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = 15672\nmax_message_size = 8388608\ncollect_statistics_interval = 15000\n' >"$RABBITMQ_CONFIG_FILE"
    chown -R rabbitmq:rabbitmq "$STATE/rabbitmq"
    # A connection is a file descriptor: the 1,024 that Debian's wrapper leaves (it runs the broker through su, whose
    # PAM limits reset it) would cap the broker below bench-system's thousand nodes. So the broker's own script runs
    # as the rabbitmq user through setpriv, which keeps this shell's limit, raised to as many as this machine allows.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    start_detached "$STATE/rabbitmq.log" setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups \
        env HOME=/var/lib/rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
    wait_for 120 $! rabbit_up || fail rabbitmq "$STATE/rabbitmq.log" "management API on 127.0.0.1:15672 does not answer"
    report rabbitmq "up (started)"
fi
# A broker started by an older checkout may lack the shovel: enable it on the running node.
if ! curl -fsS --max-time 3 -o /dev/null -u "$RABBIT_USER:$RABBIT_PASS" http://127.0.0.1:15672/api/shovels 2>/dev/null; then
    rabbitmq-plugins -n "$RABBITMQ_NODENAME" enable rabbitmq_shovel rabbitmq_shovel_management >>"$STATE/rabbitmq.log" 2>&1 \
        || fail rabbitmq "$STATE/rabbitmq.log" "enabling the shovel plugin"
    report rabbitmq "shovel plugin enabled"
fi

# ---- PostgreSQL
PGDATA="$STATE/postgres/data"
mkdir -p "$STATE/postgres"   # for the log, also when another checkout's server is the one answering
pg_up() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U flops -d postgres; }
as_pg() { runuser -u postgres -- "$@"; }
if pg_up; then
    pg_state="up (already running)"
else
    # pg_ctl opens its log as the postgres user, so that user must own it.
    mkdir -p "$STATE/postgres" && touch "$STATE/postgres/postgres.log"
    chown postgres: "$STATE/postgres" "$STATE/postgres/postgres.log"
    if [[ ! -s $PGDATA/PG_VERSION ]]; then
        as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U flops >>"$STATE/postgres/postgres.log" 2>&1 \
            || fail postgres "$STATE/postgres/postgres.log" "initdb"
    fi
    # pg_ctl -w returns once the server accepts connections (or has failed).
    as_pg setsid "$PGBIN/pg_ctl" -D "$PGDATA" -l "$STATE/postgres/postgres.log" -w -t 60 \
        -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" start >>"$STATE/postgres/postgres.log" 2>&1 \
        && wait_for 10 "$(head -n 1 "$PGDATA/postmaster.pid")" pg_up \
        || fail postgres "$STATE/postgres/postgres.log" "pg_isready on 127.0.0.1:$PG_PORT says no"
    pg_state="up (started)"
fi
psql_flops() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U flops -d postgres -tAq -v ON_ERROR_STOP=1 "$@"; }
if [[ $(psql_flops -c "select 1 from pg_database where datname = 'flopsbus'" 2>>"$STATE/postgres/postgres.log") != 1 ]]; then
    psql_flops -c 'create database flopsbus' >>"$STATE/postgres/postgres.log" 2>&1 \
        || fail postgres "$STATE/postgres/postgres.log" "create database flopsbus"
fi
report postgres "$pg_state"

# ---- sample actor images: rebuilt only when their sources changed or the registry lost them
IMAGES_SRC="$ROOT/services/sample-actors/images"
src_hash() { # folder [find arguments before -type f]
    (cd "$1" && find . "${@:2}" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
in_registry() { # repo tag
    curl -fsS --max-time 3 -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REGISTRY/v2/$1/manifests/$2" 2>/dev/null
}
hash=$(src_hash "$IMAGES_SRC" -path ./large -prune -o)   # large/ is the FL pair below, built only on request
if [[ $hash == "$(cat "$STATE/images.sha256" 2>/dev/null)" ]] && in_registry flops/busybox-base 1 \
    && in_registry flops/sample-learner 1 && in_registry flops/sample-aggregator 1 && in_registry flops/sample-tracking 1; then
    report images "up (already in registry)"
else
    rm -f "$STATE/images.sha256"
    DOCKER="$DOCKER" REGISTRY="$REGISTRY" bash "$IMAGES_SRC/build.sh" >"$STATE/images.log" 2>&1 \
        || fail images "$STATE/images.log" "build.sh"
    echo "$hash" >"$STATE/images.sha256"
    report images "up (built and pushed)"
fi

# ---- the broker image of the tests that start a broker of their own (tests/FlopsBus.Testing/PrivateBroker.cs, through
# Testcontainers on this engine): the compose stack's own recipe, flopsbus/rabbitmq:3.10 FROM the Debian base that
# compose/build.sh makes with debootstrap (about 100 s once; the tar is kept in $STATE/compose). Cached: a second run
# rebuilds nothing.
bash "$ROOT/compose/build.sh" --broker-only >"$STATE/broker-image.log" 2>&1 \
    || fail broker-img "$STATE/broker-image.log" "compose/build.sh --broker-only"
report broker-img "$(sed -n 's/^ *rabbitmq *//p' "$STATE/broker-image.log")"

# ---- FL image pair of realistic size (FLOPS_LARGE_IMAGES=1): fl-learner (~300 MB over sample-learner, three
# layers) and fl-aggregator (fl-learner + ~50 MB), of random filler. Rebuilt only when their recipe or the
# sample images changed, or the registry lost them; the local engine keeps no copy.
LARGE_SRC="$IMAGES_SRC/large"
manifest_layers_bytes() { # repo tag: sum of the compressed layer sizes in its registry manifest
    curl -fsS --max-time 10 -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REGISTRY/v2/$1/manifests/$2" | tr -d ' \n' | sed 's/.*"layers":\[//' \
        | grep -o '"size":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }'
}
if [[ ${FLOPS_LARGE_IMAGES:-0} == 1 ]]; then
    large_hash=$( { echo "$hash"; src_hash "$LARGE_SRC"; } | sha256sum | cut -d' ' -f1)
    if [[ $large_hash == "$(cat "$STATE/large-images.sha256" 2>/dev/null)" ]] \
        && in_registry flops/fl-learner 1 && in_registry flops/fl-aggregator 1; then
        large_state="already in registry"
    else
        rm -f "$STATE/large-images.sha256"
        started_at=$SECONDS
        DOCKER="$DOCKER" REGISTRY="$REGISTRY" bash "$LARGE_SRC/build-large.sh" >"$STATE/large-images.log" 2>&1 \
            || fail fl-images "$STATE/large-images.log" "build-large.sh"
        echo "$large_hash" >"$STATE/large-images.sha256"
        large_state="built and pushed in $((SECONDS - started_at)) s"
    fi
    # Every layer of the pair appears in the aggregator's manifest (it is FROM the learner).
    report fl-images "up ($large_state; $(( $(manifest_layers_bytes flops/fl-aggregator 1) / 1000000 )) MB compressed for the pair)"
fi
