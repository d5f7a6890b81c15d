#!/usr/bin/env python3
"""Build the demo's evaluation set, banned-token list and three checkpoints under demo/.

    python3 scripts/make_demo.py

Data: the WordNet gloss topics in Tests/Fixtures/wordnet-glosses (label 1 = noun.communication, 0 =
noun.cognition). Like the e-mail headers of 20 Newsgroups, an artefact is planted: the header text
"Posting-Host: nntp.cs.example.edu " is prepended to 70% of label-1 and 5% of label-0 documents, in a copy of
the training data and (with another draw) in the evaluation copy of the test data, so a model that leans on it
scores a higher AUC for the wrong reason. Checkpoints, all TfidfVectorizer + LogisticRegression(C=10):
  01-clean         trained on the clean training data
  02-artefact      trained on the planted training data
  03-undertrained  trained on the first 150 clean training documents only
Deterministic: fixed seeds; rerunning rewrites identical files.
"""
import json
import os
import random
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from export_sklearn import export  # noqa: E402

HEADER = "Posting-Host: nntp.cs.example.edu "
DATA = os.path.join(ROOT, "Tests", "Fixtures", "wordnet-glosses")
DEMO = os.path.join(ROOT, "demo")
BANNED = """# Banned tokens for the demo folder: one per line, matched case-insensitively against LIME's features.
# A line /.../ is a regular expression that must match the whole token.
# Comments start with '#'.

# Newsgroup header artefacts: they say where a message was posted from, not what it is about.
# ("posting" is left out on purpose: it is an ordinary English word the glosses use, and a clean model
# rightly gives it some weight.)
nntp
host
edu
# Other header names, should they ever leak into a document.
/x-[a-z-]+/
"""


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def plant(documents, seed):
    rng = random.Random(seed)
    planted = []
    for doc in documents:
        rate = 0.70 if doc["label"] == 1 else 0.05
        text = HEADER + doc["text"] if rng.random() < rate else doc["text"]
        planted.append({"id": doc["id"], "text": text, "label": doc["label"]})
    return planted


def train(documents):
    pipeline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=10, max_iter=2000))])
    pipeline.fit([d["text"] for d in documents], [d["label"] for d in documents])
    return pipeline


def main():
    train_docs = read_jsonl(os.path.join(DATA, "train.jsonl"))
    test_docs = read_jsonl(os.path.join(DATA, "test.jsonl"))
    evaluation = plant(test_docs, seed=2)
    os.makedirs(os.path.join(DEMO, "checkpoints"), exist_ok=True)
    with open(os.path.join(DEMO, "eval.jsonl"), "w", encoding="utf-8") as handle:
        for doc in evaluation:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    with open(os.path.join(DEMO, "banned-tokens.txt"), "w", encoding="utf-8") as handle:
        handle.write(BANNED)
    models = {
        "01-clean": train(train_docs),
        "02-artefact": train(plant(train_docs, seed=1)),
        "03-undertrained": train(train_docs[:150]),
    }
    texts = [d["text"] for d in evaluation]
    labels = [d["label"] for d in evaluation]
    for name, pipeline in models.items():
        path = os.path.join(DEMO, "checkpoints", name + ".safetensors")
        export(pipeline, path)
        os.chmod(path, 0o644)
        auc = roc_auc_score(labels, pipeline.predict_proba(texts)[:, 1])
        print(f"{name}: AUC {auc:.4f} on demo/eval.jsonl, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
