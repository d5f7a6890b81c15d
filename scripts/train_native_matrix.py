#!/usr/bin/env python3
"""Train every pipeline the native format covers on the WordNet glosses, export each, and record predict_proba.

    python3 scripts/train_native_matrix.py --train TRAIN.jsonl --test TEST.jsonl --out DIR [--train-size N]
        [--test-size N] [--refused-only]

For each configuration (vectorizer x classifier, see PAIRS) this writes DIR/<name>.safetensors through
export_sklearn.export and its probabilities on the held-out documents. One more model, "numpy-mlp", is written
the way docs/model-format.md §5 tells a PyTorch user to, with safetensors.numpy.save_file alone, and its
expected probabilities come from export_sklearn.score (the format's semantics). Pipelines the exporter must refuse are
saved as DIR/refused/<name>.joblib, to be run through export_sklearn.py's command line. DIR/matrix.json holds
{"texts": [...], "models": [{"name", "file", "classes", "proba"}], "refused": [{"name", "file", "expect"}]}.

Three classes are made from the two gloss topics by splitting off the communication glosses that mention
language, words or writing (class "2").
"""
import argparse
import json
import os
import sys
import warnings

# Small problems: threaded BLAS only adds contention (and minutes on a busy machine).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression, SGDClassifier  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_sklearn import export, score  # noqa: E402

WRITING = {"language", "languages", "word", "words", "letter", "letters", "written", "writing", "spoken", "speech"}

VECTORIZERS = {
    "tfidf": lambda: TfidfVectorizer(),
    "tfidf12": lambda: TfidfVectorizer(ngram_range=(1, 2)),
    "tfidf12-sublinear-l1": lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, norm="l1"),
    "tfidf12-binary-noidf": lambda: TfidfVectorizer(ngram_range=(1, 2), binary=True, use_idf=False),
    "tfidf22-nonorm": lambda: TfidfVectorizer(ngram_range=(2, 2), norm=None, min_df=1),
    "tfidf13-stopwords": lambda: TfidfVectorizer(ngram_range=(1, 3), stop_words="english", min_df=2),
    "tfidf-cased-pattern": lambda: TfidfVectorizer(lowercase=False, token_pattern=r"(?u)\b\w+\b"),
    # Tokens such as "state of" hold a space, so their n-grams are looked up as joined strings.
    "tfidf12-spaced-tokens": lambda: TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w\w+(?: of)?\b"),
    "count": lambda: CountVectorizer(),
    "count12-binary": lambda: CountVectorizer(ngram_range=(1, 2), binary=True),
}

CLASSIFIERS = {
    "lr": (2, lambda: LogisticRegression(C=4, max_iter=100)),
    "lr-multinomial": (3, lambda: LogisticRegression(C=4, max_iter=100)),
    "svc-sigmoid": (2, lambda: CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=3)),
    "sgd-hinge-sigmoid": (2, lambda: CalibratedClassifierCV(
        SGDClassifier(loss="hinge", random_state=0), method="sigmoid", cv=3)),
    "svc-sigmoid-3": (3, lambda: CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", cv=3)),
    "svc-sigmoid-single": (2, lambda: CalibratedClassifierCV(LinearSVC(C=0.5), method="sigmoid", ensemble=False)),
    "svc-temperature": (2, lambda: CalibratedClassifierCV(LinearSVC(C=0.5), method="temperature", cv=3)),
    "svc-temperature-single-3": (3, lambda: CalibratedClassifierCV(
        LinearSVC(C=0.5), method="temperature", cv=3, ensemble=False)),
    **{f"mlp-{act}-{k}": (k, (lambda act=act: MLPClassifier(
        hidden_layer_sizes=(8, 4) if act == "relu" else (8,), activation=act, solver="lbfgs", max_iter=25,
        random_state=0))) for act in ("relu", "tanh", "logistic", "identity") for k in (2, 3)},
}

# Every vectorizer with both logistic regressions; every other classifier with a unigram and an n-gram vectorizer.
PAIRS = [(v, c) for v in VECTORIZERS for c in ("lr", "lr-multinomial")] + [
    (v, c) for i, c in enumerate(k for k in CLASSIFIERS if not k.startswith("lr"))
    for v in (("tfidf", "count")[i % 2], ("tfidf12", "tfidf12-sublinear-l1", "count12-binary", "tfidf13-stopwords")[i % 4])
]

REFUSED = {
    "isotonic": (2, TfidfVectorizer, lambda: CalibratedClassifierCV(LinearSVC(), method="isotonic", cv=3),
                 "method='isotonic' is not supported"),
    "temperature-ensemble-multiclass": (3, TfidfVectorizer, lambda: CalibratedClassifierCV(
        LinearSVC(), method="temperature", cv=3), "averages 3 folds' temperature-scaled softmaxes"),
    "one-vs-rest": (3, TfidfVectorizer, lambda: OneVsRestClassifier(LogisticRegression()),
                    "step 'clf' is OneVsRestClassifier"),
    "char-analyzer": (2, lambda: TfidfVectorizer(analyzer="char"), lambda: LogisticRegression(),
                      "analyzer='char' is not supported"),
    "strip-accents": (2, lambda: TfidfVectorizer(strip_accents="unicode"), lambda: LogisticRegression(),
                      "strip_accents='unicode' is not supported"),
}


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def labels(documents, classes):
    if classes == 2:
        return [d["label"] for d in documents]
    return [2 if d["label"] == 1 and WRITING & set(d["text"].lower().split()) else d["label"] for d in documents]


def write_numpy_mlp(texts, train, path):
    """A three-class relu MLP over TF-IDF word pairs, weights drawn at random, saved as §5 of the format says."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2)).fit([d["text"] for d in train])
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    generator = np.random.default_rng(5)
    hidden, classes = 16, ["cognition", "communication", "writing"]
    pipeline = {
        "classes": classes,
        "tokenizer": {"analyzer": "word", "lowercase": True, "token_pattern": r"(?u)\b\w\w+\b",
                      "ngram_range": [1, 2], "stop_words": []},
        "vocabulary": vocabulary,
        "weighting": {"kind": "tfidf", "norm": "l2", "use_idf": True, "smooth_idf": True,
                      "sublinear_tf": False, "binary": False, "idf": "tfidf.idf"},
        "layers": [
            {"weight": "hidden.weight", "bias": "hidden.bias", "activation": "relu"},
            {"weight": "out.weight", "bias": "out.bias", "activation": "identity"},
        ],
        "output": "softmax",
    }
    tensors = {
        "tfidf.idf": vectorizer.idf_.astype(np.float64),
        "hidden.weight": generator.normal(0, 3, (hidden, len(vocabulary))),
        "hidden.bias": generator.normal(0, 0.1, hidden),
        "out.weight": generator.normal(0, 1, (len(classes), hidden)),
        "out.bias": generator.normal(0, 0.1, len(classes)),
    }
    metadata = {"format": "validated.text-pipeline", "format_version": "2", "pipeline": json.dumps(pipeline)}
    save_file(tensors, path, metadata=metadata)
    return classes, score(pipeline, tensors, texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--train-size", type=int, default=400)
    parser.add_argument("--test-size", type=int, default=250)
    parser.add_argument("--refused-only", action="store_true", help="only write the pipelines to be refused")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    train = read_jsonl(args.train)[: args.train_size]
    texts = [d["text"] for d in read_jsonl(args.test)[: args.test_size]]
    texts += ["", "zzzz unknown qqqq", "THE LANGUAGE OF THE STUDY OF WORDS", "study of the language and of words"]
    os.makedirs(os.path.join(args.out, "refused"), exist_ok=True)
    models = []
    for vectorizer, classifier in [] if args.refused_only else PAIRS:
        classes, make = CLASSIFIERS[classifier]
        name = f"{vectorizer}+{classifier}"
        pipeline = Pipeline([("vec", VECTORIZERS[vectorizer]()), ("clf", make())])
        pipeline.fit([d["text"] for d in train], labels(train, classes))
        file = name + ".safetensors"
        export(pipeline, os.path.join(args.out, file))
        models.append({"name": name, "file": file, "classes": [str(c) for c in pipeline.classes_],
                       "proba": pipeline.predict_proba(texts).tolist()})
    if not args.refused_only:
        classes, proba = write_numpy_mlp(texts, train, os.path.join(args.out, "numpy-mlp.safetensors"))
        models.append({"name": "numpy-mlp", "file": "numpy-mlp.safetensors", "classes": classes,
                       "proba": proba.tolist()})
    refused = []
    for name, (classes, vectorizer, make, expect) in REFUSED.items():
        pipeline = Pipeline([("vec", vectorizer()), ("clf", make())])
        pipeline.fit([d["text"] for d in train], labels(train, classes))
        file = os.path.join("refused", name + ".joblib")
        joblib.dump(pipeline, os.path.join(args.out, file))
        refused.append({"name": name, "file": file, "expect": expect})
    with open(os.path.join(args.out, "matrix.json"), "w", encoding="utf-8") as handle:
        json.dump({"texts": texts, "models": models, "refused": refused}, handle)


if __name__ == "__main__":
    main()
