#!/usr/bin/env python3
"""Prepare and time scikit-learn's side of `validated-benchmarks score` (scripts/bench_score.sh runs both).

    python3 scripts/bench_score.py --out DIR [--documents N] [--repetitions R]

Builds a TF-IDF (1, 2)-gram vocabulary of exactly 100,000 terms from the WordNet glosses and, to reach that
size, a shuffled copy of each gloss (seeded); trains a LogisticRegression and a 256-unit relu MLPClassifier on
it, exports both with export_sklearn.py, and times predict_proba on N documents, best of R, once limited to one
thread and once with the default BLAS threads. Writes DIR/documents.json (the texts) and DIR/reference.json
({"documents", "vocabulary", "models": [{"name", "file", "seconds_one_thread", "cpu_seconds_one_thread",
"seconds_default_threads", "proba"}]}); CPU times are the thread's, which a busy machine disturbs less.
"""
import argparse
import json
import os
import random
import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_sklearn import export  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "wordnet-glosses")
VOCABULARY = 100_000


def glosses():
    documents = []
    for name in ("train.jsonl", "test.jsonl"):
        with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
            documents += [json.loads(line) for line in handle if line.strip()]
    shuffler = random.Random(7)
    shuffled = []
    for document in documents:
        words = document["text"].split()
        shuffler.shuffle(words)
        shuffled.append({"text": " ".join(words), "label": document["label"]})
    return documents + shuffled


def best_times(function, repetitions):
    """The best wall time and the best CPU time of this thread over `repetitions` calls."""
    wall = cpu = float("inf")
    for _ in range(repetitions):
        start, start_cpu = time.perf_counter(), time.thread_time()
        function()
        cpu = min(cpu, time.thread_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    corpus = glosses()
    texts = [d["text"] for d in corpus]
    labels = [d["label"] for d in corpus]
    documents = (texts * (args.documents // len(texts) + 1))[: args.documents]
    classifiers = {
        "tfidf(1,2) 100k + LogisticRegression": ("lr", LogisticRegression(C=10, max_iter=200)),
        "tfidf(1,2) 100k + MLP 256 relu": ("mlp", MLPClassifier(hidden_layer_sizes=(256,), solver="lbfgs",
                                                                 max_iter=8, random_state=0)),
    }
    models = []
    for name, (file, classifier) in classifiers.items():
        pipeline = Pipeline([("tfidf", TfidfVectorizer(ngram_range=(1, 2), max_features=VOCABULARY)),
                             ("clf", classifier)])
        with threadpool_limits(1):
            pipeline.fit(texts, labels)
        assert len(pipeline[0].vocabulary_) == VOCABULARY, len(pipeline[0].vocabulary_)
        export(pipeline, os.path.join(args.out, file + ".safetensors"))
        with threadpool_limits(1):
            one, one_cpu = best_times(lambda: pipeline.predict_proba(documents), args.repetitions)
        default, _ = best_times(lambda: pipeline.predict_proba(documents), args.repetitions)
        print(f"bench_score.py: {name}: {len(documents) / one:,.0f} documents/s on one thread, "
              f"{len(documents) / default:,.0f} with default threads", file=sys.stderr)
        models.append({"name": name, "file": file + ".safetensors", "seconds_one_thread": one,
                       "cpu_seconds_one_thread": one_cpu, "seconds_default_threads": default,
                       "proba": pipeline.predict_proba(documents)[:, 1].tolist()})
    with open(os.path.join(args.out, "documents.json"), "w", encoding="utf-8") as handle:
        json.dump(documents, handle)
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as handle:
        json.dump({"documents": len(documents), "vocabulary": VOCABULARY, "models": models}, handle)


if __name__ == "__main__":
    main()
