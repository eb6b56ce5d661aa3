#!/usr/bin/env python3
"""Sample FL aggregator for the process runtime (stdlib only).

Same contract as images/aggregator/aggregator.sh: learners connect over TCP, send "JOIN <id>",
get "WELCOME" and the connection is closed; one thread per connection so a learner that stalls or
leaves without JOIN blocks nobody. A cluster aggregator (hierarchical mode, FLOPS_AGGREGATOR set)
also joins the root aggregator above it, as a learner does. With FLOPS_TRACKING_URL set, it first
waits for that tracking server to answer (retry with backoff): an aggregator logs its run there from the
start. FLOPS_MIN_LEARNERS is accepted but unused by this sample. Exits 0 on SIGTERM/SIGINT, 1 on bad
configuration or a port it can't bind, 4 when the tracking server stays unreachable.
"""
import json
import os
import signal
import socketserver
import sys
import threading
import time
import urllib.request

from learner import connect

# Processes share the host's interfaces, so listen on loopback unless told otherwise.
LISTEN_HOST = os.environ.get("FLOPS_LISTEN_HOST", "127.0.0.1")


def fail(reason, code=1):
    print("FLOPS-EVENT " + json.dumps({"event": "failed", "reason": reason}, separators=(",", ":")), flush=True)
    sys.exit(code)


def wait_for_tracking(url, timeout_s):
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=3):
                break
        except OSError:
            if time.monotonic() >= deadline:
                fail(f"tracking server {url} unreachable after {timeout_s} s", 4)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    print(f"tracking server {url} reachable", flush=True)


class Session(socketserver.StreamRequestHandler):
    timeout = 10  # a learner that stalls before JOIN only costs its own thread this long

    def handle(self):
        try:
            line = self.rfile.readline().decode("utf-8", "replace").strip()
        except OSError:
            return
        if not line.startswith("JOIN ") or not line[5:].strip():
            return
        self.wfile.write(b"WELCOME\n")
        print(f"learner {line[5:].strip()} joined", flush=True)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    def stop(*_):
        sys.stdout.flush()
        os._exit(0)  # immediate, even with session threads mid-read

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    actor_id = os.environ.get("FLOPS_ACTOR_ID", "")
    port = os.environ.get("FLOPS_LISTEN_PORT", "")
    if not port.isdigit():
        fail("FLOPS_LISTEN_PORT must be a port number")
    tracking = os.environ.get("FLOPS_TRACKING_URL", "")
    if tracking:
        wait_for_tracking(tracking, int(os.environ.get("FLOPS_TRACKING_TIMEOUT_SECONDS", "120")))
    try:
        server = Server((LISTEN_HOST, int(port)), Session)
    except OSError as e:
        fail(f"cannot listen on port {port}: {e.strerror}")
    print(f"aggregator {actor_id} listening on {port}", flush=True)
    upstream = os.environ.get("FLOPS_AGGREGATOR", "")
    if upstream:
        timeout_s = int(os.environ.get("FLOPS_CONNECT_TIMEOUT_SECONDS", "120"))
        threading.Thread(target=lambda: connect_or_stop(upstream, actor_id, timeout_s), daemon=True).start()
    server.serve_forever()


def connect_or_stop(upstream, actor_id, timeout_s):
    try:
        connect(upstream, actor_id, timeout_s)
    except SystemExit as e:
        # fail() exits only the thread here: take the process down with the same code.
        sys.stdout.flush()
        os._exit(e.code if isinstance(e.code, int) else 1)


if __name__ == "__main__":
    main()
