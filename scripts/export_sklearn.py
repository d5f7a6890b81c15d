#!/usr/bin/env python3
"""Convert a fitted scikit-learn text pipeline into validated's native checkpoint format.

    python3 scripts/export_sklearn.py IN.joblib OUT.safetensors

IN must hold a fitted Pipeline whose steps are a TfidfVectorizer (or CountVectorizer) followed by a binary
LogisticRegression. Anything else is refused with exit code 2 and a message naming the unsupported step or
option. The format is specified in docs/model-format.md. OUT is written to a temporary name in the same
directory and renamed, so a watched folder never sees a half-written checkpoint.
"""
import json
import os
import sys

import joblib
import numpy as np
from safetensors.numpy import save_file
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


class Unsupported(Exception):
    """The pipeline uses something format version 1 cannot express."""


def vectorizer_spec(name, vec):
    if not isinstance(vec, CountVectorizer):  # TfidfVectorizer is a CountVectorizer
        raise Unsupported(f"step '{name}' is {type(vec).__name__}: the first step must be a TfidfVectorizer or CountVectorizer")
    if vec.analyzer != "word":
        raise Unsupported(f"step '{name}': analyzer={vec.analyzer!r} is not supported; use 'word'")
    if tuple(vec.ngram_range) != (1, 1):
        raise Unsupported(f"step '{name}': ngram_range={vec.ngram_range} is not supported by format version 1; use (1, 1)")
    if vec.preprocessor is not None or vec.tokenizer is not None:
        raise Unsupported(f"step '{name}': a custom preprocessor or tokenizer cannot be exported; use token_pattern")
    if vec.strip_accents is not None:
        raise Unsupported(f"step '{name}': strip_accents={vec.strip_accents!r} is not supported")
    # stop_words only shape the vocabulary at fit time: removed words are not in vocabulary_, so they score 0.
    vocabulary = [None] * len(vec.vocabulary_)
    for term, index in vec.vocabulary_.items():
        vocabulary[index] = term
    tensors = {}
    if isinstance(vec, TfidfVectorizer):
        weighting = {
            "kind": "tfidf",
            "norm": vec.norm,
            "use_idf": bool(vec.use_idf),
            "smooth_idf": bool(vec.smooth_idf),
            "sublinear_tf": bool(vec.sublinear_tf),
            "binary": bool(vec.binary),
        }
        if vec.use_idf:
            weighting["idf"] = "tfidf.idf"
            tensors["tfidf.idf"] = np.asarray(vec.idf_, dtype=np.float64)
    else:
        weighting = {"kind": "count", "norm": None, "use_idf": False, "binary": bool(vec.binary)}
    tokenizer = {
        "analyzer": "word",
        "lowercase": bool(vec.lowercase),
        "token_pattern": vec.token_pattern or DEFAULT_TOKEN_PATTERN,
        "ngram_range": [1, 1],
    }
    return tokenizer, vocabulary, weighting, tensors


def classifier_spec(name, clf, dimension):
    if not isinstance(clf, LogisticRegression):
        raise Unsupported(f"step '{name}' is {type(clf).__name__}: only LogisticRegression (binary) is supported by format version 1")
    if len(clf.classes_) != 2:
        raise Unsupported(f"step '{name}': {len(clf.classes_)} classes; format version 1 exports binary LogisticRegression only")
    weight = np.asarray(clf.coef_, dtype=np.float64).reshape(1, dimension)
    bias = np.asarray(clf.intercept_, dtype=np.float64).reshape(1)
    classes = [str(c) for c in clf.classes_]
    layers = [{"weight": "classifier.weight", "bias": "classifier.bias", "activation": "identity"}]
    return classes, layers, {"classifier.weight": weight, "classifier.bias": bias}


def export(pipeline, out_path):
    if not isinstance(pipeline, Pipeline):
        raise Unsupported(f"the file holds a {type(pipeline).__name__}, not a scikit-learn Pipeline")
    steps = [(n, s) for n, s in pipeline.steps if s is not None and s != "passthrough"]
    if len(steps) != 2:
        raise Unsupported(f"the pipeline has {len(steps)} steps ({', '.join(n for n, _ in steps)}); expected a vectorizer and a classifier")
    (vec_name, vec), (clf_name, clf) = steps
    tokenizer, vocabulary, weighting, tensors = vectorizer_spec(vec_name, vec)
    classes, layers, layer_tensors = classifier_spec(clf_name, clf, len(vocabulary))
    tensors.update(layer_tensors)
    pipeline_doc = {
        "classes": classes,
        "tokenizer": tokenizer,
        "vocabulary": vocabulary,
        "weighting": weighting,
        "layers": layers,
        "output": "binary-logistic",
    }
    metadata = {
        "format": "validated.text-pipeline",
        "format_version": "1",
        "pipeline": json.dumps(pipeline_doc, ensure_ascii=False, separators=(",", ":")),
    }
    directory = os.path.dirname(os.path.abspath(out_path))
    temporary = os.path.join(directory, "." + os.path.basename(out_path) + ".part")
    save_file(tensors, temporary, metadata=metadata)
    os.replace(temporary, out_path)


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        export(joblib.load(argv[1]), argv[2])
    except Unsupported as error:
        print(f"export_sklearn.py: {argv[1]}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
