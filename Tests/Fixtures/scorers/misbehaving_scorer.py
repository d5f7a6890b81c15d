#!/usr/bin/env python3
"""A scorer that breaks the validated-scorer/1 protocol in one chosen way, for the daemon's fault tests.

    python3 misbehaving_scorer.py MODE MODEL

MODE is one of:
  honest           announces classes ["0", "1"] and answers every text with [1 - p, p], p = (len(text) % 10) / 10
  crash-on-start   writes a traceback-like message to stderr and exits with status 3 before announcing itself
  hang-on-start    never announces itself (and ignores SIGTERM)
  crash-mid-batch  announces itself, then dies of SIGSEGV halfway through writing its first reply
  hang-on-batch    announces itself, then never answers (and ignores SIGTERM)
  hang-after-first-batch
                   answers the first batch honestly, then hangs on the second (and ignores SIGTERM)
  malformed        answers with a line that is not JSON
  wrong-rows       answers with one row fewer than texts
  wrong-columns    answers with three probabilities per text after announcing two classes
  nan              answers with NaN probabilities
  not-summing      answers with rows that sum to 1.2
  error            answers with an error reply
  memory           allocates 1 GiB on its first batch (run it under a smaller MemoryLimit=)
  flood            writes 4 MiB to stderr on every batch, then answers honestly
  flood-and-crash  writes 4 MiB to stderr, then "last words" and exits with status 2
  slow             a slow but healthy model: takes 0.05 s per text, announces max_length 8 and reports
                   texts longer than 8 characters as truncated
MODEL is ignored. In every mode the scorer first exits with status 4 if it inherited the daemon's systemd
variables (NOTIFY_SOCKET, JOURNAL_STREAM), which the daemon must not pass on.
"""
import json
import os
import signal
import sys
import threading
import time


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def honest_rows(texts):
    return [[1 - (len(text) % 10) / 10, (len(text) % 10) / 10] for text in texts]


def flood():
    line = "log line that nobody reads " * 4 + "\n"
    for _ in range((4 << 20) // len(line)):
        sys.stderr.write(line)
    sys.stderr.flush()


def forever():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Event().wait()


def main():
    mode = sys.argv[1]
    inherited = [name for name in ("NOTIFY_SOCKET", "JOURNAL_STREAM") if name in os.environ]
    if inherited:
        sys.stderr.write(f"inherited the daemon's {', '.join(inherited)}\n")
        sys.exit(4)
    if mode == "crash-on-start":
        sys.stderr.write("Traceback (most recent call last):\nRuntimeError: cannot open the model (simulated)\n")
        sys.exit(3)
    if mode == "hang-on-start":
        sys.stderr.write("loading a model that never finishes loading\n")
        sys.stderr.flush()
        forever()
    hello = {"protocol": "validated-scorer", "version": 1, "classes": ["0", "1"]}
    if mode == "slow":
        hello["max_length"] = 8
    send(hello)
    for batch, raw in enumerate(sys.stdin):
        request = json.loads(raw)
        texts, rows = request["texts"], honest_rows(request["texts"])
        reply = {"id": request["id"], "probabilities": rows}
        if mode == "crash-mid-batch":
            sys.stderr.write("about to crash in the middle of a reply\n")
            sys.stderr.flush()
            sys.stdout.write('{"id": %d, "probabilities": [[0.' % request["id"])
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        elif mode == "hang-on-batch":
            sys.stderr.write("stuck on a batch\n")
            sys.stderr.flush()
            forever()
        elif mode == "hang-after-first-batch" and batch > 0:
            sys.stderr.write("stuck on batch %d\n" % (batch + 1))
            sys.stderr.flush()
            forever()
        elif mode == "malformed":
            sys.stdout.write("this is not JSON\n")
            sys.stdout.flush()
            continue
        elif mode == "wrong-rows":
            reply["probabilities"] = rows[:-1]
        elif mode == "wrong-columns":
            reply["probabilities"] = [row + [0.0] for row in rows]
        elif mode == "nan":
            reply["probabilities"] = [[float("nan"), 1.0] for _ in texts]
        elif mode == "not-summing":
            reply["probabilities"] = [[0.5, 0.7] for _ in texts]
        elif mode == "error":
            reply = {"id": request["id"], "error": "model exploded (simulated)"}
        elif mode == "memory":
            sys.stderr.write("allocating 1 GiB\n")
            sys.stderr.flush()
            ballast = bytearray(1 << 30)
            reply["ballast"] = len(ballast)
        elif mode == "flood":
            flood()
        elif mode == "slow":
            time.sleep(0.05 * len(texts))
            reply["truncated"] = [index for index, text in enumerate(texts) if len(text) > 8]
        elif mode == "flood-and-crash":
            flood()
            sys.stderr.write("last words\n")
            sys.exit(2)
        send(reply)


if __name__ == "__main__":
    main()
