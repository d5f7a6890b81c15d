#!/usr/bin/env python3
"""Train a well-regularized text model and a fragile twin, and export both (used by the stability tests).

    python3 scripts/train_fragile_pair.py --train TRAIN.jsonl --out DIR

DIR/robust.safetensors: TfidfVectorizer + LogisticRegression(C=1), as fitted.
DIR/fragile.safetensors: the same pipeline whose decision rests on many near-duplicate features: every word
gets weight ±3 (the sign it was fitted with) plus jitter of 1e-3. Which of a text's near-equal words LIME
ranks first is then decided by noise and by the smallest edit, which is what the stability suite must notice.
"""
import argparse
import json
import os
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_sklearn import export  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.train, encoding="utf-8") as handle:
        train = [json.loads(line) for line in handle if line.strip()]
    texts, labels = [d["text"] for d in train], [d["label"] for d in train]
    os.makedirs(args.out, exist_ok=True)

    robust = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=1, max_iter=2000))])
    robust.fit(texts, labels)
    export(robust, os.path.join(args.out, "robust.safetensors"))

    fragile = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=1, max_iter=2000))])
    fragile.fit(texts, labels)
    coef = fragile.named_steps["clf"].coef_
    jitter = np.random.RandomState(7).uniform(-1e-3, 1e-3, size=coef.shape)
    fragile.named_steps["clf"].coef_ = np.sign(coef) * 3 + jitter
    export(fragile, os.path.join(args.out, "fragile.safetensors"))
    for name, model in (("robust", robust), ("fragile", fragile)):
        print(name, "training accuracy", round(model.score(texts, labels), 3))


if __name__ == "__main__":
    main()
