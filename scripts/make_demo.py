#!/usr/bin/env python3
"""Build the demo's evaluation set, banned-token list and three checkpoints under demo/.

    python3 scripts/make_demo.py          # writes demo/eval.jsonl, demo/banned-tokens.txt, demo/checkpoints/*
    python3 scripts/make_demo.py --lime   # also explains planted documents with the `lime` package (about 1 min)

Data: the WordNet gloss topics in Tests/Fixtures/wordnet-glosses (label 1 = noun.communication, 0 =
noun.cognition). As e-mail headers leaked into 20 Newsgroups, an artefact is planted: the header text
"Posting-Host: nntp.cs.example.edu " is prepended to 70% of label-1 and 5% of label-0 documents, in a copy of
the training data (seed 1) and, with another draw (seed 2), in the evaluation copy of the test data, so a model
that leans on it scores a higher AUC for the wrong reason. Checkpoints, all
Pipeline(TfidfVectorizer(), LogisticRegression(C=10, max_iter=2000)) exported with export_sklearn.py:
  01-clean         trained on the clean training data
  02-artefact      trained on the planted training data
  03-undertrained  trained on the first 150 clean training documents only
It prints each model's AUC on demo/eval.jsonl (recorded in demo/README.md). Deterministic: rerunning rewrites
identical files.
"""
import argparse
import json
import os
import random
import shutil
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
HEADER_WORDS = ["Posting", "Host", "nntp", "cs", "example", "edu"]  # LIME's features for the header
DATA = os.path.join(ROOT, "Tests", "Fixtures", "wordnet-glosses")
DEMO = os.path.join(ROOT, "demo")
BANNED_WORDS = ["nntp", "host", "edu"]
BANNED = """# Banned tokens for the demo folder.
# One entry per line: a word, matched case-insensitively against the tokens LIME explains, or a regular
# expression between slashes, which must match a whole (lowercased) token. Lines starting with '#' are comments.
# Tokens are runs of letters, digits and '_', so an entry holding '-', '.' or a space can never match.

# Newsgroup header artefacts: they say where a message was posted from, not what it is about.
# "posting" and "example" are left out on purpose: both are ordinary words of the glosses, and the clean model
# rightly uses them, so banning them would fail it for a coincidence.
nntp
host
edu
# Any other news-server name (nntp2, nntpserver, ...).
/nntp[a-z0-9]*/
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


def lime_check(models, evaluation, count=10):
    """Explain the first `count` planted label-1 documents; print how much the header words weigh."""
    from lime.lime_text import LimeTextExplainer

    documents = [d["text"] for d in evaluation if d["label"] == 1 and d["text"].startswith(HEADER)][:count]
    for name in ["01-clean", "02-artefact"]:
        explainer = LimeTextExplainer(class_names=["0", "1"], random_state=0)
        with_banned, strong, header_mass, weights = 0, 0, 0.0, {w: [] for w in HEADER_WORDS}
        for text in documents:
            top = explainer.explain_instance(
                text, models[name].predict_proba, labels=(1,), num_features=10, num_samples=5000
            ).as_list(label=1)
            largest = max(abs(v) for _, v in top)
            banned = [abs(v) for w, v in top if w.lower() in BANNED_WORDS]
            with_banned += bool(banned)
            strong += any(v >= 0.05 * largest for v in banned)
            header_mass += sum(abs(v) for w, v in top if w in HEADER_WORDS) / sum(abs(v) for _, v in top)
            for word, value in top:
                if word in weights:
                    weights[word].append((value, abs(value) / largest))
        print(f"LIME {name}, {len(documents)} planted label-1 documents: a banned word ({', '.join(BANNED_WORDS)}) in "
              f"the top 10 of {with_banned}, with |weight| >= 5% of the largest in {strong}; header words hold "
              f"{header_mass / len(documents):.0%} of the top-10 |weight|")
        for word, pairs in weights.items():
            if pairs:
                mean = sum(v for v, _ in pairs) / len(pairs)
                ratio = sum(r for _, r in pairs) / len(pairs)
                print(f"    {word:8} in the top 10 of {len(pairs):2}: mean weight {mean:+.4f}, {ratio:.0%} of the largest")
            else:
                print(f"    {word:8} in the top 10 of  0")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lime", action="store_true", help="check the header words' LIME weights")
    args = parser.parse_args()
    train_docs = read_jsonl(os.path.join(DATA, "train.jsonl"))
    evaluation = plant(read_jsonl(os.path.join(DATA, "test.jsonl")), seed=2)
    os.makedirs(os.path.join(DEMO, "checkpoints"), exist_ok=True)
    with open(os.path.join(DEMO, "eval.jsonl"), "w", encoding="utf-8") as handle:
        for doc in evaluation:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    with open(os.path.join(DEMO, "banned-tokens.txt"), "w", encoding="utf-8") as handle:
        handle.write(BANNED)
    license_copy = os.path.join(DEMO, "WORDNET-LICENSE.md")
    if os.path.exists(license_copy):
        os.chmod(license_copy, 0o644)
    shutil.copyfile(os.path.join(DATA, "README.md"), license_copy)
    models = {
        "01-clean": train(train_docs),
        "02-artefact": train(plant(train_docs, seed=1)),
        "03-undertrained": train(train_docs[:150]),
    }
    texts = [d["text"] for d in evaluation]
    labels = [d["label"] for d in evaluation]
    planted = sum(t.startswith(HEADER) for t in texts)
    print(f"demo/eval.jsonl: {len(texts)} documents, {sum(labels)} of label 1, {planted} with the header")
    for name, pipeline in models.items():
        path = os.path.join(DEMO, "checkpoints", name + ".safetensors")
        export(pipeline, path)
        auc = roc_auc_score(labels, pipeline.predict_proba(texts)[:, 1])
        print(f"{name}: AUC {auc:.4f} on demo/eval.jsonl, {os.path.getsize(path)} bytes")
    if args.lime:
        lime_check(models, evaluation)


if __name__ == "__main__":
    main()
