#!/usr/bin/env python3
"""Sample FL learner for the process runtime (stdlib only).

Same contract as images/learner/learner.sh: configuration from the environment, FLOPS-EVENT lines
on stdout, exit 0 on SIGTERM/SIGINT, 1 bad configuration, 2 no data, 3 aggregator unreachable.
Unlike the container, FLOPS_DATA_DIR has no default: a process has no /data mount to fall back on.
"""
import json
import os
import signal
import socket
import sys
import time


def event(**fields):
    print("FLOPS-EVENT " + json.dumps(fields, separators=(",", ":")), flush=True)


def fail(code, reason):
    event(event="failed", reason=reason)
    sys.exit(code)


def count_lines(path):
    # A last line without a newline still counts, as in learner.sh.
    with open(path, "rb") as f:
        data = f.read()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def count_samples(data_dir, tags):
    total = 0
    for tag in tags:
        folder = os.path.join(data_dir, tag)
        if not os.path.isdir(folder):
            fail(2, f"no data for tag {tag} in {data_dir}")
        # Top-level regular files only, dotfiles excluded: the same set the shell glob sees.
        for entry in os.scandir(folder):
            if not entry.name.startswith(".") and entry.is_file():
                total += count_lines(entry.path)
    if total == 0:
        fail(2, f"no data for tag {','.join(tags)} in {data_dir}")
    return total


def join(host, port, actor_id, attempt_timeout=3.0):
    """One handshake; True when the aggregator answered WELCOME."""
    try:
        with socket.create_connection((host, port), timeout=attempt_timeout) as s:
            s.sendall(f"JOIN {actor_id}\n".encode())
            reply = s.makefile("rb").readline()
        return reply.strip() == b"WELCOME"
    except OSError:
        return False


def connect(aggregator, actor_id, timeout_s):
    """Joins the aggregator above, retrying with backoff (it may still be pulling), then reports it."""
    host, _, port = aggregator.rpartition(":")
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while not join(host, int(port), actor_id):
        if time.monotonic() >= deadline:
            fail(3, f"aggregator {aggregator} unreachable after {timeout_s} s")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
    event(event="aggregator-connected")


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))

    actor_id = os.environ.get("FLOPS_ACTOR_ID", "")
    data_dir = os.environ.get("FLOPS_DATA_DIR", "")
    tags = [t for t in os.environ.get("FLOPS_DATA_TAGS", "").split(",") if t]
    aggregator = os.environ.get("FLOPS_AGGREGATOR", "")
    host, _, port = aggregator.rpartition(":")
    if not actor_id:
        fail(1, "FLOPS_ACTOR_ID is not set")
    if not data_dir:
        fail(2, "FLOPS_DATA_DIR is not set")
    if not host or not port.isdigit():
        fail(1, f"FLOPS_AGGREGATOR must be host:port, got '{aggregator}'")
    try:
        timeout_s = int(os.environ.get("FLOPS_CONNECT_TIMEOUT_SECONDS", "120"))
    except ValueError:
        fail(1, "FLOPS_CONNECT_TIMEOUT_SECONDS must be whole seconds")

    event(event="data-fetched", samples=count_samples(data_dir, tags))
    connect(aggregator, actor_id, timeout_s)

    while True:
        signal.pause()


if __name__ == "__main__":
    main()
