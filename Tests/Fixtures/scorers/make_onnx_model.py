#!/usr/bin/env python3
"""Train a small TF-IDF + logistic-regression pipeline, convert it to ONNX, and record ONNX Runtime's own
probabilities, for the scorer tests.

    python3 make_onnx_model.py --train TRAIN.jsonl --test TEST.jsonl --out DIR [--limit-train N] [--limit-test N]

Writes DIR/model.onnx (via scripts/export_onnx.py) and DIR/expected.json with the test texts and the
probability rows ONNX Runtime computes for them in this process. skl2onnx's tokenizer is not exactly
scikit-learn's, so the reference is ONNX Runtime, not predict_proba.
"""
import argparse
import json
import os
import sys

import numpy
import onnxruntime
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(REPOSITORY, "scripts"))
from export_onnx import export  # noqa: E402


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--limit-train", type=int)
    parser.add_argument("--limit-test", type=int)
    args = parser.parse_args()
    train = read_jsonl(args.train)[: args.limit_train]
    texts = [d["text"] for d in read_jsonl(args.test)[: args.limit_test]]
    texts += ["", "multi\nline\ttext with \"quotes\" and ünïcödé ✓", "🙂 " * 50]
    pipeline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=10, max_iter=2000))])
    pipeline.fit([d["text"] for d in train], [d["label"] for d in train])
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.onnx")
    export(pipeline, path)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (proba,) = session.run(["probabilities"], {"text": numpy.array(texts, dtype=object).reshape(-1, 1)})
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as handle:
        json.dump({"texts": texts, "proba": proba.astype(float).tolist()}, handle)


if __name__ == "__main__":
    main()
