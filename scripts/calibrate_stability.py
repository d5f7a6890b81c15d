#!/usr/bin/env python3
"""Measure the stability suite on real text models, to calibrate its thresholds.

    python3 scripts/calibrate_stability.py [--validatectl PATH] [--out DIR]

Trains five classifiers on the WordNet glosses (Tests/Fixtures/wordnet-glosses/train.jsonl), exports them to the
native format, runs `validatectl validate` on each against the held-out glosses with the built-in default
settings, and prints the stability measures side by side:

- lr: TfidfVectorizer + LogisticRegression(C=1), well regularized;
- lr-near-duplicates: the same with every weight set to +-3 plus 1e-3 jitter (scripts/train_fragile_pair.py);
- mlp-small: a 16-unit MLP with strong L2 (alpha=1);
- mlp-overfit: two 256-unit relu layers without L2, trained to 100% training accuracy;
- mlp-overfit-bigrams: one 256-unit layer on unnormalized (1,2)-gram tf-idf, without L2.

The verdict thresholds of [Stability] (MinJaccard, WarnJaccard, WarnExcess, MaxExcess) are read against these
numbers; README.md and etc/validated/validated.conf quote them.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from export_sklearn import export  # noqa: E402


def models():
    def near_duplicates(pipeline):
        coef = pipeline.named_steps["clf"].coef_
        jitter = np.random.RandomState(7).uniform(-1e-3, 1e-3, size=coef.shape)
        pipeline.named_steps["clf"].coef_ = np.sign(coef) * 3 + jitter
        return pipeline

    lr = lambda: Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=1, max_iter=2000))])  # noqa: E731
    mlp = lambda vectorizer, **options: Pipeline(  # noqa: E731
        [("tfidf", vectorizer), ("clf", MLPClassifier(max_iter=500, random_state=0, **options))]
    )
    return [
        ("lr", lr, None),
        ("lr-near-duplicates", lr, near_duplicates),
        ("mlp-small", lambda: mlp(TfidfVectorizer(), hidden_layer_sizes=(16,), alpha=1.0), None),
        ("mlp-overfit", lambda: mlp(TfidfVectorizer(), hidden_layer_sizes=(256, 256), alpha=0.0), None),
        (
            "mlp-overfit-bigrams",
            lambda: mlp(TfidfVectorizer(ngram_range=(1, 2), norm=None), hidden_layer_sizes=(256,), alpha=0.0),
            None,
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--validatectl", default=os.path.join(ROOT, ".build/debug/validatectl"))
    parser.add_argument("--out", default="/tmp/validated-calibration")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    glosses = os.path.join(ROOT, "Tests/Fixtures/wordnet-glosses")
    with open(os.path.join(glosses, "train.jsonl"), encoding="utf-8") as handle:
        train = [json.loads(line) for line in handle if line.strip()]
    texts, labels = [d["text"] for d in train], [d["label"] for d in train]

    print(f"{'model':22} {'train':>5} {'AUC':>5} | seeds: {'Jacc':>5} {'Kend':>5} {'wCV':>5} {'VSI':>5} {'CSI':>5}"
          f" | edits: {'Jacc':>5} {'floor':>5} {'excess':>6} | attack TKI | verdict")
    for name, make, change in models():
        pipeline = make()
        pipeline.fit(texts, labels)
        if change:
            pipeline = change(pipeline)
        path = os.path.join(args.out, name + ".safetensors")
        export(pipeline, path)
        result = subprocess.run(
            [args.validatectl, "validate", path, "--eval", os.path.join(glosses, "test.jsonl"),
             "--config", "/nonexistent", "--json"],
            capture_output=True, text=True, check=False,
        )
        report = json.loads(result.stdout)
        stability = report["checks"]["stability"]
        seed, edits = stability["seed"], stability["perturbation"]
        attack = stability.get("attack", {}).get("top_k_intersection", float("nan"))
        print(f"{name:22} {pipeline.score(texts, labels):5.3f} {report['checks']['auc']['auc']:5.3f} |"
              f"        {seed['jaccard']:5.3f} {seed['kendall']:5.3f} {seed['weight_cv']:5.3f} {seed['vsi']:5.1f}"
              f" {seed.get('csi', float('nan')):5.1f} |        {edits['jaccard']:5.3f} {edits['noise_floor_jaccard']:5.3f}"
              f" {edits['excess']:+6.3f} | {attack:10.2f} | {stability['verdict']}")


if __name__ == "__main__":
    main()
