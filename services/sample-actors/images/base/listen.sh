# Sourced by every sample actor that listens (in the base image, so all share it). `listen PROGRAM ARGS...`
# starts the listener in the background (listener_pid) and returns once it has bound $port, or reports the
# actor failed and exits when it dies first. As PID 1 the shell ignores signals it has no trap for and runs
# traps only between commands: hence the listener in the background, `wait` on it, and a TERM/INT trap.
listen() {
    "$@" &
    listener_pid=$!
    trap 'kill $listener_pid 2>/dev/null; exit 0' TERM INT
    # Announce only once the port is bound (busybox's listeners bind all interfaces; they can't pick one).
    i=0
    until netstat -ltn 2>/dev/null | grep -q "[:.]$port "; do
        kill -0 "$listener_pid" 2>/dev/null && [ $i -lt 50 ] || break
        i=$((i + 1)); usleep 100000
    done
    if ! kill -0 "$listener_pid" 2>/dev/null; then
        echo "FLOPS-EVENT {\"event\":\"failed\",\"reason\":\"cannot listen on port $port\"}"
        exit 1
    fi
}
