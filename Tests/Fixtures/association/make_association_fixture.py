#!/usr/bin/env python3
"""Reference values for TokenAssociationCheck and TheilsU (Tests/ValidatedCoreTests/TokenAssociationTests.swift).

    python3 Tests/Fixtures/association/make_association_fixture.py   # rewrites association.json beside it

Theil's U(X|Y) = I(X;Y) / H(X) is computed here through scikit-learn's mutual_info_score and scipy's entropy
(both in nats), a different route from the Swift code's H(X) - H(X|Y).

- "tables": contingency tables (rows: condition, columns: outcome) with U(column | row).
- "documents": the first 250 WordNet glosses of Tests/Fixtures/wordnet-glosses/test.jsonl with a made-up
  prediction per document (the label, flipped for every 7th document, and 1 whenever "language" occurs); for
  every lowercased word (Python's \\w+ runs, as LIME splits) present in at least 5 and not all documents:
  its document count, U(prediction | present), U(label | present), the most frequent prediction among its
  documents with its share and lift.
Deterministic: rerunning writes the same file.
"""
import json
import os
import re

import numpy as np
from scipy.stats import entropy
from sklearn.metrics import mutual_info_score

HERE = os.path.dirname(os.path.abspath(__file__))
GLOSSES = os.path.join(HERE, "..", "wordnet-glosses", "test.jsonl")
MIN_DOCUMENTS = 5


def theil_u(outcome, condition):
    h = entropy(np.bincount(outcome))
    return 0.0 if h == 0 else mutual_info_score(outcome, condition) / h


def table_u(table):
    table = np.asarray(table)
    outcome = np.repeat(np.tile(np.arange(table.shape[1]), table.shape[0]), table.ravel())
    condition = np.repeat(np.repeat(np.arange(table.shape[0]), table.shape[1]), table.ravel())
    return theil_u(outcome, condition)


def main():
    tables = [
        [[10, 0], [0, 10]],
        [[5, 5], [5, 5]],
        [[30, 2], [40, 128]],
        [[3, 1, 0], [2, 10, 7]],
        [[1, 0], [499, 500]],
        [[0, 0], [4, 9]],
        [[7, 0], [13, 0]],
        [[12, 3, 5, 1], [2, 40, 8, 30], [0, 1, 22, 4]],
    ]
    with open(GLOSSES, encoding="utf-8") as handle:
        documents = [json.loads(line) for line in handle if line.strip()][:250]
    labels = np.array([d["label"] for d in documents])
    predicted = []
    for index, document in enumerate(documents):
        words = {w.lower() for w in re.findall(r"\w+", document["text"])}
        value = document["label"] if index % 7 else 1 - document["label"]
        predicted.append(1 if "language" in words else value)
    predicted = np.array(predicted)
    sets = [{w.lower() for w in re.findall(r"\w+", d["text"])} for d in documents]
    vocabulary = sorted(set().union(*sets))
    tokens = []
    for token in vocabulary:
        present = np.array([token in s for s in sets], dtype=int)
        count = int(present.sum())
        if count < MIN_DOCUMENTS or count == len(documents):
            continue
        among = np.bincount(predicted[present == 1], minlength=2)
        top = int(np.argmax(among))  # ties: the lower class, "0" before "1" as the Swift code orders names
        share = among[top] / count
        tokens.append({
            "token": token, "documents": count,
            "u_predicted": theil_u(predicted, present), "u_label": theil_u(labels, present),
            "predicted_class": str(top), "predicted_share": share,
            "lift": share / (np.sum(predicted == top) / len(documents)), "banned": False,
        })
    fixture = {
        "tables": [{"table": t, "u": table_u(t)} for t in tables],
        "min_documents": MIN_DOCUMENTS,
        "documents": [{"id": d["id"], "text": d["text"], "label": str(d["label"]), "predicted": str(int(p))}
                      for d, p in zip(documents, predicted)],
        "tokens": tokens,
    }
    with open(os.path.join(HERE, "association.json"), "w", encoding="utf-8") as handle:
        json.dump(fixture, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    print(f"{len(tokens)} tokens, {len(tables)} tables")


if __name__ == "__main__":
    main()
