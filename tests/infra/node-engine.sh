#!/usr/bin/env bash
# One simulated node's Docker engine: its own data root, exec root (so its own containerd), pid file and socket
# under $STATE/engines/<n>/, no bridge, and live-restore: its containers outlive a restart of the engine, as on a
# node configured for it, and the agent takes them back. up.sh starts the engines through it; tests restart one.
#   node-engine.sh start N       start it detached unless it answers or is starting (no wait)
#   node-engine.sh wait N [S]    wait up to S seconds (60) for it to answer
#   node-engine.sh stop N        SIGTERM, then wait until it is gone (its containers run on)
#   node-engine.sh restart N     stop, start, wait
set -euo pipefail
STATE="${FLOPS_INFRA_STATE:-/var/tmp/flopsbus-infra}"   # keep it short: socket paths are limited to ~100 characters
DOCKER=/usr/bin/docker
[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "usage: node-engine.sh start|wait|stop|restart N [seconds]" >&2; exit 2; }
n=$2 d="$STATE/engines/$2"
sock="unix://$d/docker.sock"

answers() { timeout 10 "$DOCKER" -H "$sock" version >/dev/null 2>&1; }
running_pid() { # the engine's pid, if its pid file names a dockerd of this socket
    local pid
    pid=$(cat "$d/docker.pid" 2>/dev/null) && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *dockerd*"$d/docker.sock"* ]] && echo "$pid"
}
start() {
    answers && return 0
    running_pid >/dev/null && return 0   # still starting: wait for it rather than start a second one
    mkdir -p "$d"
    rm -f "$d/docker.pid"               # a stale pid file makes dockerd refuse to start
    setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false --live-restore \
        --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" -H "$sock" >>"$d/dockerd.log" 2>&1 </dev/null &
}
wait_up() { # seconds
    local deadline=$((SECONDS + $1))
    until answers; do
        if ((SECONDS >= deadline)); then
            echo "engine $n: docker -H $sock version does not answer; the last lines of $d/dockerd.log:" >&2
            tail -n 20 "$d/dockerd.log" >&2
            return 1
        fi
        sleep 0.2
    done
}
stop() {
    local pid deadline=$((SECONDS + 30))
    pid=$(running_pid) || return 0
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || { kill -KILL "$pid" 2>/dev/null || true; break; }
        sleep 0.2
    done
}

case $1 in
    start) start ;;
    wait) wait_up "${3:-60}" ;;
    stop) stop ;;
    restart) stop && start && wait_up 60 ;;
    *) echo "usage: node-engine.sh start|wait|stop|restart N [seconds]" >&2; exit 2 ;;
esac
