#!/usr/bin/env python3
"""Train the reference pipeline, export it, and record scikit-learn's probabilities (used by the Swift tests).

    python3 scripts/train_reference_model.py --train TRAIN.jsonl --test TEST.jsonl --out DIR [--limit-train N]

Writes DIR/model.joblib, DIR/model.safetensors (via export_sklearn.py) and DIR/expected.json with the ids,
texts and predict_proba rows of every test document.
"""
import argparse
import json
import os
import sys

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_sklearn import export  # noqa: E402


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--limit-train", type=int)
    args = parser.parse_args()
    train = read_jsonl(args.train)[: args.limit_train]
    test = read_jsonl(args.test)
    pipeline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=10, max_iter=2000))])
    pipeline.fit([d["text"] for d in train], [d["label"] for d in train])
    os.makedirs(args.out, exist_ok=True)
    joblib.dump(pipeline, os.path.join(args.out, "model.joblib"))
    export(pipeline, os.path.join(args.out, "model.safetensors"))
    texts = [d["text"] for d in test]
    expected = {
        "ids": [d.get("id") for d in test],
        "texts": texts,
        "proba": pipeline.predict_proba(texts).tolist(),
    }
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as handle:
        json.dump(expected, handle)


if __name__ == "__main__":
    main()
