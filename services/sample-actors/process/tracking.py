#!/usr/bin/env python3
"""Sample tracking server for the process runtime (stdlib only): what aggregators log to, as MLflow's
tracking server would be. GET /health answers OK. Same contract as images/tracking/tracking.sh.
Exits 0 on SIGTERM/SIGINT, 1 on bad configuration or a port it can't bind.
"""
import http.server
import json
import os
import signal
import sys

LISTEN_HOST = os.environ.get("FLOPS_LISTEN_HOST", "127.0.0.1")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        found = self.path == "/health"
        body = b"OK\n" if found else b"not found\n"
        self.send_response(200 if found else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass  # a request per aggregator poll is not worth a log line


def main():
    def stop(*_):
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = os.environ.get("FLOPS_LISTEN_PORT", "")
    reason = None
    if not port.isdigit():
        reason = "FLOPS_LISTEN_PORT must be a port number"
    else:
        try:
            server = http.server.ThreadingHTTPServer((LISTEN_HOST, int(port)), Handler)
        except OSError as e:
            reason = f"cannot listen on port {port}: {e.strerror}"
    if reason:
        print("FLOPS-EVENT " + json.dumps({"event": "failed", "reason": reason}, separators=(",", ":")), flush=True)
        sys.exit(1)
    print(f"tracking server {os.environ.get('FLOPS_ACTOR_ID', '')} listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
