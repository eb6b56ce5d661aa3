#!/bin/sh
# Sample tracking server (busybox httpd) that aggregators log to: GET /health answers OK, as MLflow's
# tracking server does. Keep in step with process/tracking.py.
port=${FLOPS_LISTEN_PORT:-}
case "$port" in ''|*[!0-9]*) echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"FLOPS_LISTEN_PORT must be a port number\"}"; exit 1 ;; esac

mkdir -p /tmp/www && echo OK >/tmp/www/health
. /actor/listen.sh
listen httpd -f -p "$port" -h /tmp/www
echo "tracking server ${FLOPS_ACTOR_ID:-} listening on $port"
wait $listener_pid
echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"tracking server on port $port stopped\"}"
exit 1
