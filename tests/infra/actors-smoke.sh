#!/usr/bin/env bash
# Exercises the sample actors for real: the busybox images and the python processes, each against
# itself and against the other (the line protocol must interoperate). Needs up.sh to have run.
# Uses ports 41100-41103 and containers named flops-smoke-*; removes them when done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DOCKER=/usr/bin/docker
LEARNER_IMAGE=127.0.0.1:5000/flops/sample-learner:1
AGGREGATOR_IMAGE=127.0.0.1:5000/flops/sample-aggregator:1
PY="$ROOT/services/sample-actors/process"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    "$DOCKER" ps -aq --filter name=flops-smoke- | xargs -r "$DOCKER" rm -f >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok    $what"; else failed=$((failed + 1)); echo "FAIL  $what"; fi
}
has() { grep -qF -- "$2" "$1"; }
logs() { "$DOCKER" logs "$1" >"$work/$1.log" 2>&1; echo "$work/$1.log"; }

mkdir -p "$work/d1/mnist" "$work/d2/mnist" "$work/d2/cifar" "$work/empty/mnist"
printf 'a\nb\nc\n' >"$work/d1/mnist/part1.csv"
printf 'x\ny' >"$work/d2/mnist/part1.csv"          # no final newline: still 2 lines
printf '1\n2\n3\n4\n' >"$work/d2/cifar/part1.csv"

learner_c() { # name data port [docker run args...]
    "$DOCKER" run -d --name "flops-smoke-$1" --network host -v "$work/$2:/data:ro" -e FLOPS_ACTOR_ID="$1" \
        -e FLOPS_DATA_TAGS="${TAGS:-mnist}" -e FLOPS_AGGREGATOR="127.0.0.1:$3" "${@:4}" "$LEARNER_IMAGE" >/dev/null
}
aggregator_c() { # name port
    "$DOCKER" run -d --name "flops-smoke-$1" --network host -e FLOPS_ACTOR_ID="$1" -e FLOPS_LISTEN_PORT="$2" \
        -e FLOPS_MIN_LEARNERS=2 -e FLOPS_TRACKING_URL= "$AGGREGATOR_IMAGE" >/dev/null
}
learner_p() { # name data port
    FLOPS_ACTOR_ID=$1 FLOPS_DATA_DIR="$work/$2" FLOPS_DATA_TAGS=${TAGS:-mnist} FLOPS_AGGREGATOR=127.0.0.1:$3 \
        python3 "$PY/learner.py" >"$work/$1.log" 2>&1 &
    pids+=($!)
}
aggregator_p() { # name port
    FLOPS_ACTOR_ID=$1 FLOPS_LISTEN_PORT=$2 FLOPS_MIN_LEARNERS=2 FLOPS_TRACKING_URL='' \
        python3 "$PY/aggregator.py" >"$work/$1.log" 2>&1 &
    pids+=($!)
}
stop_time_ms() { # container: docker stop -t 2, prints elapsed ms
    local s; s=$(date +%s%N); "$DOCKER" stop -t 2 "$1" >/dev/null; echo $((($(date +%s%N) - s) / 1000000))
}

# Learners started before their aggregator must still get in (retry with backoff).
learner_c c-early d1 41100
learner_p p-early d1 41101
sleep 2
aggregator_c c-agg 41100
aggregator_p p-agg 41101
sleep 0.5
TAGS=mnist,cifar learner_c c-two d2 41100
learner_c c-to-p d1 41101            # container learner, python aggregator
learner_p p-to-c d1 41100            # python learner, container aggregator
printf '' | timeout 5 busybox nc 127.0.0.1 41100 || true     # connects, leaves without JOIN
printf '' | timeout 5 python3 -c 'import socket; socket.create_connection(("127.0.0.1", 41101)).close()'
bulk=()
for i in $(seq 1 10); do printf 'JOIN bulk%s\n' "$i" | timeout 5 busybox nc 127.0.0.1 41100 >/dev/null & bulk+=($!); done
wait "${bulk[@]}"
sleep 4

agg=$(logs flops-smoke-c-agg)
check "container aggregator announces its port" has "$agg" "aggregator c-agg listening on 41100"
for id in c-early c-two p-to-c bulk1 bulk10; do check "container aggregator saw $id" has "$agg" "learner $id joined"; done
for id in p-early c-to-p; do check "python aggregator saw $id" has "$work/p-agg.log" "learner $id joined"; done
for name in c-early c-two c-to-p; do
    log=$(logs "flops-smoke-$name")
    check "$name connected" has "$log" 'FLOPS-EVENT {"event":"aggregator-connected"}'
done
check "c-two counted 6 samples over two tags" has "$work/flops-smoke-c-two.log" '"samples":6'
for name in p-early p-to-c; do check "$name connected" has "$work/$name.log" 'FLOPS-EVENT {"event":"aggregator-connected"}'; done

# Failures: a missing tag is exit 2, an unreachable aggregator is exit 3 after the timeout.
TAGS=mnist,nope learner_c c-missing d2 41100
TAGS=mnist learner_c c-empty empty 41100
learner_c c-unreach d1 41199 -e FLOPS_CONNECT_TIMEOUT_SECONDS=2
sleep 4
for name in c-missing c-empty c-unreach; do "$DOCKER" wait "flops-smoke-$name" >"$work/$name.rc"; done
check "missing tag exits 2" [ "$(cat "$work/c-missing.rc")" = 2 ]
check "missing tag says why" has "$(logs flops-smoke-c-missing)" '"reason":"no data for tag nope in /data"'
check "empty data exits 2" [ "$(cat "$work/c-empty.rc")" = 2 ]
check "unreachable aggregator exits 3" [ "$(cat "$work/c-unreach.rc")" = 3 ]
check "unreachable says why" has "$(logs flops-smoke-c-unreach)" 'aggregator 127.0.0.1:41199 unreachable after 2 s'
rc=0; FLOPS_DATA_TAGS=mnist,nope FLOPS_DATA_DIR="$work/d2" FLOPS_ACTOR_ID=p FLOPS_AGGREGATOR=127.0.0.1:41199 \
    python3 "$PY/learner.py" >"$work/p-missing.log" || rc=$?
check "python: missing tag exits 2" [ "$rc" = 2 ]
rc=0; FLOPS_DATA_TAGS=mnist FLOPS_ACTOR_ID=p FLOPS_AGGREGATOR=127.0.0.1:41199 python3 "$PY/learner.py" >"$work/p-nodir.log" || rc=$?
check "python: no FLOPS_DATA_DIR exits 2" [ "$rc" = 2 ]
rc=0; FLOPS_DATA_TAGS=mnist FLOPS_DATA_DIR="$work/d1" FLOPS_ACTOR_ID=p FLOPS_AGGREGATOR=127.0.0.1:41199 \
    FLOPS_CONNECT_TIMEOUT_SECONDS=1 python3 "$PY/learner.py" >"$work/p-unreach.log" || rc=$?
check "python: unreachable aggregator exits 3" [ "$rc" = 3 ]

# SIGTERM: prompt exit 0 (a shell as PID 1 would otherwise ignore it until docker's SIGKILL).
for name in c-early c-agg; do
    ms=$(stop_time_ms "flops-smoke-$name")
    code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "flops-smoke-$name")
    check "$name stops on SIGTERM in ${ms} ms with exit $code" test "$ms" -lt 1000 -a "$code" = 0
done
for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || continue
    rc=0; wait "$p" || rc=$?
    check "python actor $p exits 0 on SIGTERM" [ "$rc" = 0 ]
done
pids=()

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
