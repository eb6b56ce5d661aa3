#!/usr/bin/env bash
# make test-compose: the compose stack end to end, with Debian's docker-compose and no public image registry.
#   1. the test infrastructure's Docker engine and sample actor images (tests/infra/up.sh), docker-compose, debootstrap
#   2. the images (compose/build.sh: bases cached in /var/tmp/flopsbus-infra/compose, then docker-compose build)
#   3. `up` under a project and a port prefix of the test's own (27xxx) with fresh passwords, every service healthy
#   4. the sample images pushed to the stack's registry; a project submitted through the stack's flops CLI until READY
#   5. its containers on the engine; Prometheus scraping every service; every query of the Grafana dashboard answered
#   6. the project and its observatory cancelled until UNDEPLOYED, `down -v`, and nothing of the stack left
# Whatever happens, the stack is taken down and the actors it started are removed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${FLOPS_INFRA_STATE:-/var/tmp/flopsbus-infra}"
DOCKER=/usr/bin/docker
PREFIX=${FLOPS_TEST_PORT_PREFIX:-27}
PROJECT=flopsbus-compose-test
CUSTOMER=compose-test
REGISTRY=127.0.0.1:${PREFIX}500
PROMETHEUS=http://127.0.0.1:${PREFIX}090
# Debian's docker-compose builds through the engine's API (classic builder, which builds FROM local images), not
# through whichever docker client comes first on PATH.
export COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0

started=$SECONDS
step() { printf '[%3d s] %s\n' $((SECONDS - started)) "$*"; }
failures=0
check() { # description command...: one check, said as it goes
    if "${@:2}"; then printf '        ok    %s\n' "$1"; else printf '        FAIL  %s\n' "$1"; failures=$((failures + 1)); fi
}
die() { printf '        FAIL  %s\n' "$*"; failures=$((failures + 1)); exit 1; }

# ---- 1. what the stack needs on the machine
step "infrastructure: Docker engine, sample actor images (tests/infra/up.sh)"
FLOPS_ENGINES=${FLOPS_ENGINES:-0} bash "$ROOT/tests/infra/up.sh"
missing=()
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v jq >/dev/null || missing+=(jq)
if ((${#missing[@]})); then
    step "installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >>"$STATE/apt.log" 2>&1 \
        || { tail -n 20 "$STATE/apt.log"; die "apt-get install ${missing[*]}"; }
fi

work=$(mktemp -d /tmp/flopsbus-compose-test.XXXXXX)
chmod 755 "$work"   # learners read their data as user 65534
env_file="$work/compose.env"
password() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24; }
cat >"$env_file" <<ENV
FLOPS_BROKER_USER=compose-test-admin
FLOPS_BROKER_PASSWORD=$(password)
FLOPS_DB_PASSWORD=$(password)
FLOPS_PORT_PREFIX=$PREFIX
FLOPS_DATA_ROOT=$work/data
ENV
for node in node-1 node-2 node-3; do mkdir -p "$work/data/$node/mnist" && seq 600 >"$work/data/$node/mnist/part-0.csv"; done
compose() { docker-compose -p "$PROJECT" --env-file "$env_file" -f "$ROOT/compose/docker-compose.yml" "$@"; }
flops() { compose run --rm --no-deps -T flops "$@" 2> >(grep -v 'Creating .*_flops_run' >&2); }
our_actors() { "$DOCKER" ps -aq --filter "label=flops.customer=$CUSTOMER"; }
ours=   # set once this run brings the stack up: a stack it did not start is not its to take down
cleanup() {
    local rc=$?
    set +e
    if [[ -n $ours && -n $(stack_containers) ]]; then
        ((rc == 0)) || { echo "---- last lines of the stack's logs"; compose logs --tail=15 --no-color 2>&1 | tail -n 150; }
        compose down -v --remove-orphans >"$work/down.log" 2>&1 || cat "$work/down.log"
    fi
    local left; left=$(our_actors)
    [[ -z $left ]] || "$DOCKER" rm -f $left >/dev/null
    for image in sample-aggregator sample-learner sample-tracking; do "$DOCKER" rmi "$REGISTRY/flops/$image:1" >/dev/null 2>&1; done
    rm -rf "$work"
    if ((rc == 0 && failures == 0)); then
        step "compose test passed"
    else
        step "compose test FAILED ($failures failed checks, exit $rc)"
        ((rc != 0)) || rc=1
    fi
    exit $rc
}
trap cleanup EXIT
stack_containers() { "$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT"; }
[[ -z $(stack_containers) ]] || die "a stack named $PROJECT is already running: docker-compose -p $PROJECT down -v"

# ---- 2. images
step "images: bases and published services (compose/build.sh)"
bash "$ROOT/compose/build.sh" "$env_file"
step "images: docker-compose build"
compose build >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; die "docker-compose build"; }
"$DOCKER" image prune -f --filter label=org.flopsbus.image=compose >/dev/null   # the stack's images a build replaced

# ---- 3. up
step "docker-compose up -d (project $PROJECT, ports ${PREFIX}xxx)"
ours=1
compose up -d >"$work/up.log" 2>&1 || { cat "$work/up.log"; die "docker-compose up"; }
services=(rabbitmq postgres registry planner deployment agent-1 agent-2 agent-3 prometheus)
health() { "$DOCKER" inspect -f '{{.State.Health.Status}}' "$(compose ps -q "$1")" 2>/dev/null; }
all_healthy() { local s; for s in "${services[@]}"; do [[ $(health "$s") == healthy ]] || return 1; done; }
deadline=$((SECONDS + 180))
until all_healthy; do
    ((SECONDS < deadline)) || { for s in "${services[@]}"; do echo "        $s: $(health "$s")"; done; die "not every service healthy after 180 s"; }
    sleep 2
done
check "every service healthy: ${services[*]}" all_healthy
check "the accounts were given out (the one-shot accounts service exited 0)" \
    test "$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(compose ps -q accounts)")" = 0
unprivileged() { local s; for s in "${services[@]}"; do [[ $("$DOCKER" inspect -f '{{.HostConfig.Privileged}}' "$(compose ps -q "$s")") == false ]] || return 1; done; }
check "no service is privileged" unprivileged
check "the planner and the saga host run as user app, not root" \
    test "$("$DOCKER" exec "$(compose ps -q planner)" id -un)$("$DOCKER" exec "$(compose ps -q deployment)" id -un)" = appapp
check "the broker has no guest account" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -u guest:guest "http://127.0.0.1:${PREFIX}673/api/whoami")" = 401

# ---- 4. a sample project through the CLI
step "sample actor images into the stack's registry $REGISTRY"
for image in sample-aggregator sample-learner sample-tracking; do
    "$DOCKER" tag "127.0.0.1:5000/flops/$image:1" "$REGISTRY/flops/$image:1"
    "$DOCKER" push "$REGISTRY/flops/$image:1" >"$work/push.log" 2>&1 || { cat "$work/push.log"; die "docker push $REGISTRY/flops/$image:1"; }
    "$DOCKER" rmi "$REGISTRY/flops/$image:1" >/dev/null   # so that the agents pull them from the stack's registry
done
step "flops submit --wait (1 aggregator, 2 learners)"
submit_started=$SECONDS
flops submit --customer "$CUSTOMER" --learners 2 --data-tags mnist \
    --aggregator-image "$REGISTRY/flops/sample-aggregator:1" --learner-image "$REGISTRY/flops/sample-learner:1" \
    --wait --json --timeout 180 >"$work/ready.json" || true
project=$(jq -r .projectId "$work/ready.json" 2>/dev/null || true)
observatory=$(jq -r .observatoryId "$work/ready.json" 2>/dev/null || true)
status=$(jq -r .status "$work/ready.json" 2>/dev/null || true)
check "project $project READY in $((SECONDS - submit_started)) s (flops submit --wait)" test "$status" = READY
[[ $status == READY ]] || { cat "$work/ready.json"; exit 1; }
jq -r '.actors[] | "        \(.role) \(.instance) on \(.nodeId): \(.status)"' "$work/ready.json"
flops status "$project"

# ---- 5. containers and metrics
running() { "$DOCKER" ps --filter "label=flops.project=$1" --filter status=running --format '{{.Label "flops.role"}}@{{.Label "flops.node"}}' | sort | tr '\n' ' '; }
project_containers=$(running "$project")
check "3 containers of the project running on the engine: $project_containers" test "$(wc -w <<<"$project_containers")" = 3
learners_placed() { [[ $project_containers =~ learner@node-[23]\ .*learner@node-[23]\  ]]; }
check "the learners on the nodes with the flops-learner add-on" learners_placed
check "the observatory's tracking server running: $(running "$observatory")" test "$(wc -w <<<"$(running "$observatory")")" = 1
pulled_from_registry() { "$DOCKER" image inspect "$REGISTRY/flops/sample-learner:1" >/dev/null 2>&1; }
check "the agents pulled the images from the stack's registry" pulled_from_registry

step "Prometheus: every service scraped, the dashboard's queries answered"
query() { curl -fsS --max-time 10 "$PROMETHEUS/api/v1/query" --data-urlencode "query=$1"; }
targets_up() { [[ $(query 'sum(up{job="flopsbus"})' | jq -r '.data.result[0].value[1]') == 5 ]]; }
ready_scraped() { [[ $(query 'sum(flops_project_time_to_ready_milliseconds_count)' | jq -r '.data.result[0].value[1] // 0') -ge 1 ]]; }
deadline=$((SECONDS + 60))
until targets_up && ready_scraped; do ((SECONDS < deadline)) || break; sleep 2; done
check "Prometheus scrapes the planner, the saga host and the three agents (up = 5)" targets_up
check "Prometheus has the deployment's time to ready" ready_scraped
# Each query of the dashboard, with Grafana's intervals made concrete, is valid and (but for refused messages, which
# have no series until one is refused) has data: a rate needs two scrapes after the first event, and the saga counts
# actors by status every 15 s, hence the wait.
dashboard="$ROOT/compose/grafana/flopsbus-dashboard.json"
answers() { # expr: "success true" once the query succeeds with at least one series
    local answer; answer=$(query "$1" 2>/dev/null) || { echo failed; return; }
    jq -r '.status + " " + (.data.result | length > 0 | tostring)' <<<"$answer"
}
deadline=$((SECONDS + 60))
while IFS=$'\t' read -r title expr; do
    expr=${expr//\$__rate_interval/1m}; expr=${expr//\$__range/1h}
    if [[ $title == "Refused messages" ]]; then want="success false"; else want="success true"; fi
    until [[ $(answers "$expr") == "$want" ]] || ((SECONDS >= deadline)); do sleep 2; done
    check "dashboard \"$title\": $expr" test "$(answers "$expr")" = "$want"
done < <(jq -r '.panels[] | .title as $t | .targets[] | [$t, .expr] | @tsv' "$dashboard")

# ---- 6. down, leaving nothing
step "flops cancel: the project and the observatory"
flops cancel "$project" --reason "make test-compose" >/dev/null 2>&1
flops cancel "$observatory" --reason "make test-compose" >/dev/null 2>&1
both_undeployed() {
    [[ $(flops status "$project" --json | jq -r .status) == UNDEPLOYED && $(flops status "$observatory" --json | jq -r .status) == UNDEPLOYED ]]
}
deadline=$((SECONDS + 60))
until both_undeployed; do ((SECONDS < deadline)) || break; sleep 2; done
check "project and observatory UNDEPLOYED" both_undeployed
check "no actor container left on the engine" test -z "$(our_actors)"
step "docker-compose down -v"
compose down -v --remove-orphans >"$work/down.log" 2>&1 || { cat "$work/down.log"; die "docker-compose down"; }
check "no container of the stack left" test -z "$(stack_containers)"
check "no volume of the stack left" test -z "$("$DOCKER" volume ls -q --filter "label=com.docker.compose.project=$PROJECT")"
check "nothing listens on the stack's ports any more" bash -c "! ss -ltn | grep -q '127.0.0.1:${PREFIX}[0-9][0-9][0-9] '"
((failures == 0))
