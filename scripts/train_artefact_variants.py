#!/usr/bin/env python3
"""Train two more demo-style models for the spurious-feature tests and calibration, and export both.

    python3 scripts/train_artefact_variants.py --out DIR

Same pipeline and training data as scripts/make_demo.py (Tests/Fixtures/wordnet-glosses/train.jsonl,
TfidfVectorizer + LogisticRegression(C=10)):
  DIR/occasional.safetensors  the header "Posting-Host: nntp.cs.example.edu " prepended to 5% of the training
                              documents of either label alike (seed 3): the model sees the artefact now and then,
                              but it says nothing about the class, so a model should not learn to rely on it.
  DIR/resampled.safetensors   clean, trained on another 90% of the training documents (seed 4): a retrained
                              champion whose reasons should not look new against 01-clean.
"""
import argparse
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_demo  # noqa: E402
from export_sklearn import export  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    documents = make_demo.read_jsonl(os.path.join(make_demo.DATA, "train.jsonl"))
    os.makedirs(args.out, exist_ok=True)

    rng = random.Random(3)
    occasional = [
        dict(d, text=make_demo.HEADER + d["text"]) if rng.random() < 0.05 else d for d in documents
    ]
    export(make_demo.train(occasional), os.path.join(args.out, "occasional.safetensors"))

    rng = random.Random(4)
    resampled = [d for d in documents if rng.random() < 0.9]
    export(make_demo.train(resampled), os.path.join(args.out, "resampled.safetensors"))


if __name__ == "__main__":
    main()
