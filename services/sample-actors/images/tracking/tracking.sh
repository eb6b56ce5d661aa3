#!/bin/sh
# Sample tracking server (busybox httpd) that aggregators log to: GET /health answers OK, as MLflow's
# tracking server does. Keep in step with process/tracking.py.
port=${FLOPS_LISTEN_PORT:-}
case "$port" in ''|*[!0-9]*) echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"FLOPS_LISTEN_PORT must be a port number\"}"; exit 1 ;; esac

mkdir -p /tmp/www && echo OK >/tmp/www/health
httpd -f -p "$port" -h /tmp/www &
httpd_pid=$!
# As PID 1 the shell ignores signals it has no trap for, and runs traps only between commands: hence `wait`.
trap 'kill $httpd_pid 2>/dev/null; exit 0' TERM INT

i=0
until netstat -ltn 2>/dev/null | grep -q "[:.]$port "; do
    kill -0 "$httpd_pid" 2>/dev/null && [ $i -lt 50 ] || break
    i=$((i + 1)); usleep 100000
done
if ! kill -0 "$httpd_pid" 2>/dev/null; then
    echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"cannot listen on port $port\"}"
    exit 1
fi
echo "tracking server ${FLOPS_ACTOR_ID:-} listening on $port"
wait $httpd_pid
echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"tracking server on port $port stopped\"}"
exit 1
