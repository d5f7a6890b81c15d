#!/usr/bin/env python3
"""Time from start to READY=1 of validated with a backlog of checkpoints already in its watched folder.

    python3 scripts/bench_startup_backlog.py [--binary .build/release/validated] [--count 500] [--megabytes 50]

Makes COUNT distinct files of MEGABYTES each (sparse: a few distinct bytes, the rest holes, so the benchmark does
not need COUNT x MEGABYTES of disk; reading holes costs no disk I/O, so real files only take longer), starts
the daemon under a notify socket of its own, prints the seconds until READY=1, and stops the daemon.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def make_layout(root, count, megabytes):
    incoming = os.path.join(root, "incoming")
    os.makedirs(incoming)
    os.makedirs(os.path.join(root, "folders.d"))
    with open(os.path.join(root, "eval.jsonl"), "w") as handle:
        for index in range(20):
            handle.write(f'{{"id": "d{index}", "text": "word {index}", "label": {index % 2}}}\n')
    with open(os.path.join(root, "validated.conf"), "w") as handle:
        handle.write("[Daemon]\nDatabase=state/validated.sqlite\n")
    with open(os.path.join(root, "folders.d", "backlog.conf"), "w") as handle:
        handle.write(f"[Folder]\nPath=../incoming\nEvaluationSet={root}/eval.jsonl\n")
    for index in range(count):
        with open(os.path.join(incoming, f"m{index:04d}.safetensors"), "wb") as handle:
            handle.write(f"checkpoint {index}".encode())
            handle.truncate(megabytes << 20)


def time_to_ready(binary, root, timeout):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = os.path.join(root, "notify.sock")
    listener.bind(address)
    listener.settimeout(1)
    environment = dict(os.environ, NOTIFY_SOCKET=address)
    started = time.monotonic()
    daemon = subprocess.Popen(
        [binary, "--config", os.path.join(root, "validated.conf"), "--log-target", "console"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while time.monotonic() - started < timeout:
            try:
                message = listener.recv(4096).decode()
            except socket.timeout:
                if daemon.poll() is not None:
                    sys.exit(f"validated exited with status {daemon.returncode} before READY=1")
                continue
            if "READY=1" in message:
                return time.monotonic() - started
        return None
    finally:
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/validated")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=1800)
    arguments = parser.parse_args()
    root = tempfile.mkdtemp(prefix="validated-backlog-")
    try:
        make_layout(root, arguments.count, arguments.megabytes)
        seconds = time_to_ready(os.path.abspath(arguments.binary), root, arguments.timeout)
        backlog = f"{arguments.count} checkpoints of {arguments.megabytes} MB"
        if seconds is None:
            print(f"READY=1 not sent within {arguments.timeout:.0f} s with {backlog}")
        else:
            print(f"READY=1 after {seconds:.2f} s with {backlog}")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
