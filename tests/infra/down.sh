#!/usr/bin/env bash
# Stops what up.sh started (containers of the engine go down with dockerd). The state folder
# is kept, so the next up.sh reuses data and images; delete it for a clean slate.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Outside the checkout: the broker and the database run as their own users, who may not be able to
# enter the folder a checkout sits in (CI clones into a private temporary folder). One state for every
# checkout on the machine, as the services and their ports are one per machine too.
STATE="${FLOPS_INFRA_STATE:-/var/tmp/flopsbus-infra}"
report() { printf '  %-10s  %s\n' "$1" "$2"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_gone() { # pid seconds
    local deadline=$((SECONDS + $2))
    until gone "$1"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}
stop_pid() { # name pid expected-command: only a process that still runs that command is ours
    local pid=$2
    if [[ -n $pid ]] && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$3"* ]]; then
        kill -TERM "$pid"
        wait_gone "$pid" 30 || { kill -KILL "$pid" 2>/dev/null || true; }
        report "$1" stopped
    else
        report "$1" "not running"
    fi
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -n $PGBIN && -f $STATE/postgres/data/postmaster.pid ]] \
    && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STATE/postgres/data" stop -m fast >/dev/null 2>&1; then
    report postgres stopped
else
    report postgres "not running"
fi

export RABBITMQ_NODENAME=rabbit@localhost
if command -v rabbitmqctl >/dev/null && rabbitmqctl -q stop >/dev/null 2>&1; then
    epmd -kill >/dev/null 2>&1 || true   # the broker started it; it would outlive the broker
    report rabbitmq stopped
else
    report rabbitmq "not running"
fi

stop_pid registry "$(cat "$STATE/registry.pid" 2>/dev/null || true)" "docker-registry serve"
# Per-node engines (every one up.sh ever started, whatever FLOPS_ENGINES is now): all are told to stop
# first, then waited for, so ten engines do not take ten times as long.
engines=() epids=()
for d in "$STATE"/engines/*/; do
    d=${d%/} && pid=$(cat "$d/docker.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *dockerd*"$d/docker.sock"* ]]; then
        kill -TERM "$pid" && engines+=("${d##*/}") && epids+=("$pid")
    fi
done
for pid in "${epids[@]}"; do wait_gone "$pid" 30 || { kill -KILL "$pid" 2>/dev/null || true; }; done
if ((${#engines[@]})); then report engines "stopped $(printf '%s\n' "${engines[@]}" | sort -n | paste -sd' ')"; else report engines "not running"; fi
stop_pid dockerd "$(cat /var/run/docker.pid 2>/dev/null || true)" dockerd
