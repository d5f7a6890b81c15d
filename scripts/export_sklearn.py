#!/usr/bin/env python3
"""Convert a fitted scikit-learn text pipeline into validated's native checkpoint format.

    python3 scripts/export_sklearn.py IN.joblib OUT.safetensors

IN must hold (joblib.dump) a fitted Pipeline of two steps: a TfidfVectorizer (or CountVectorizer) with the
word analyzer and unigrams, then a binary LogisticRegression. Anything else is refused with exit code 2 and a
message on stderr naming the unsupported step or option. The format is specified in docs/model-format.md.

Before writing, the exporter scores a few probe documents twice, with scikit-learn's predict_proba and with an
independent implementation of the format's semantics, and refuses to export if they differ by more than 1e-6.
OUT is written to a hidden temporary name in the same directory and renamed, so a watched folder never sees a
half-written checkpoint.
"""
import json
import os
import re
import struct
import sys

import joblib
import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

FORMAT = "validated.text-pipeline"
FORMAT_VERSION = "1"
TOLERANCE = 1e-6
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


class Unsupported(Exception):
    """The pipeline uses something format version 1 cannot express."""


def vectorizer_spec(name, vec):
    if not isinstance(vec, CountVectorizer):  # TfidfVectorizer is a subclass of CountVectorizer
        raise Unsupported(
            f"step '{name}' is {type(vec).__name__}: the first step must be a TfidfVectorizer "
            f"(or CountVectorizer) for format version {FORMAT_VERSION}")
    if vec.input != "content":
        raise Unsupported(f"step '{name}': input={vec.input!r} is not supported; use 'content' (the texts themselves)")
    if vec.analyzer != "word":
        raise Unsupported(f"step '{name}': analyzer={vec.analyzer!r} is not supported; use 'word'")
    if tuple(vec.ngram_range) != (1, 1):
        raise Unsupported(f"step '{name}': ngram_range={tuple(vec.ngram_range)} is not supported by format "
                          f"version {FORMAT_VERSION}; use (1, 1)")
    if vec.preprocessor is not None:
        raise Unsupported(f"step '{name}': a custom preprocessor cannot be exported")
    if vec.tokenizer is not None:
        raise Unsupported(f"step '{name}': a custom tokenizer cannot be exported; express it as token_pattern")
    if vec.strip_accents is not None:
        raise Unsupported(f"step '{name}': strip_accents={vec.strip_accents!r} is not supported")
    if not isinstance(vec.token_pattern, str) or re.compile(vec.token_pattern).groups > 1:
        raise Unsupported(f"step '{name}': token_pattern={vec.token_pattern!r} must be a string with at most one group")
    if not hasattr(vec, "vocabulary_"):
        raise Unsupported(f"step '{name}' is not fitted")

    vocabulary = [None] * len(vec.vocabulary_)
    for term, index in vec.vocabulary_.items():
        vocabulary[index] = term
    if not vocabulary or any(term is None for term in vocabulary):
        raise Unsupported(f"step '{name}': vocabulary_ does not number its columns 0..{len(vocabulary) - 1}")
    # Stop words are dropped from the tokens before counting, at fit and at transform time. A fitted vocabulary
    # never holds one, so they need no field; only a vocabulary given by hand can, and then the column is dead.
    stop_words = vec.get_stop_words() or frozenset()
    dead = sorted(term for term in vocabulary if term in stop_words)
    if dead:
        raise Unsupported(f"step '{name}': the fixed vocabulary holds stop words {dead[:5]}, which scikit-learn "
                          f"never counts; remove them from vocabulary or stop_words")

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
        if vec.norm not in (None, "l1", "l2"):
            raise Unsupported(f"step '{name}': norm={vec.norm!r} is not supported; use 'l2', 'l1' or None")
        if vec.use_idf:
            weighting["idf"] = "tfidf.idf"
            tensors["tfidf.idf"] = np.ascontiguousarray(vec.idf_, dtype=np.float64)
    else:
        weighting = {"kind": "count", "norm": None, "use_idf": False, "sublinear_tf": False, "binary": bool(vec.binary)}
    if vec.token_pattern != DEFAULT_TOKEN_PATTERN:
        print(f"export_sklearn.py: warning: step '{name}': token_pattern {vec.token_pattern!r} is not the default; "
              f"validated evaluates it with ICU, which may split non-ASCII text differently from Python's re",
              file=sys.stderr)
    tokenizer = {
        "analyzer": "word",
        "lowercase": bool(vec.lowercase),
        "token_pattern": vec.token_pattern,
        "ngram_range": [1, 1],
    }
    return tokenizer, vocabulary, weighting, tensors


def classifier_spec(name, clf, dimension):
    if not isinstance(clf, LogisticRegression):
        raise Unsupported(f"step '{name}' is {type(clf).__name__}: only LogisticRegression (binary) is supported "
                          f"by format version {FORMAT_VERSION}")
    if not hasattr(clf, "coef_"):
        raise Unsupported(f"step '{name}' is not fitted")
    if len(clf.classes_) != 2:
        raise Unsupported(f"step '{name}' has {len(clf.classes_)} classes: format version {FORMAT_VERSION} "
                          f"exports binary LogisticRegression only")
    coef = np.asarray(clf.coef_, dtype=np.float64)
    if coef.shape != (1, dimension):
        raise Unsupported(f"step '{name}': coef_ has shape {coef.shape} but the vectorizer has {dimension} columns")
    weight = np.ascontiguousarray(coef)
    bias = np.ascontiguousarray(np.asarray(clf.intercept_, dtype=np.float64).reshape(1))
    classes = [str(c) for c in clf.classes_]
    layers = [{"weight": "classifier.weight", "bias": "classifier.bias", "activation": "identity"}]
    return classes, layers, {"classifier.weight": weight, "classifier.bias": bias}


def score(document, tensors, texts):
    """The format's semantics (docs/model-format.md), for binary-logistic pipelines of identity layers."""
    pattern = re.compile(document["tokenizer"]["token_pattern"])
    columns = {term: i for i, term in enumerate(document["vocabulary"])}
    weighting = document["weighting"]
    x = np.zeros((len(texts), len(columns)))
    for row, text in enumerate(texts):
        if document["tokenizer"]["lowercase"]:
            text = text.lower()
        for token in pattern.findall(text):
            if token in columns:
                x[row, columns[token]] += 1
    if weighting.get("binary"):
        x = (x > 0).astype(np.float64)
    elif weighting.get("sublinear_tf"):
        x[x > 0] = 1 + np.log(x[x > 0])
    if weighting["kind"] == "tfidf" and weighting.get("use_idf"):
        x *= tensors[weighting["idf"]]
    if weighting.get("norm") in ("l1", "l2"):
        norms = np.abs(x).sum(axis=1) if weighting["norm"] == "l1" else np.sqrt((x * x).sum(axis=1))
        x /= np.where(norms > 0, norms, 1)[:, None]
    for layer in document["layers"]:
        x = x @ tensors[layer["weight"]].T + tensors[layer["bias"]]
    p = expit(x[:, 0])
    return np.column_stack([1 - p, p])


def probe_texts(vocabulary):
    """A few deterministic documents made of vocabulary terms (some repeated), an unknown word and nothing."""
    n = len(vocabulary)
    texts = ["", "zzzz-not-a-term QQQ"]
    for k in range(24):
        terms = [vocabulary[(k * 7919 + j * 104729) % n] for j in range(1 + k % 9)]
        terms += terms[: k % 3]
        texts.append(" ".join(terms) if k % 2 else " ".join(terms).upper())
    return texts


def write_safetensors(path, tensors, metadata):
    """Write a safetensors container with a byte-for-byte reproducible layout.

    (safetensors.numpy.save_file orders the metadata keys differently from run to run.) Tensors are F64
    little-endian, stored in name order; the JSON header is padded with spaces to a multiple of 8 bytes.
    """
    header = {"__metadata__": dict(sorted(metadata.items()))}
    chunks, offset = [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for data in chunks:
            handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def export(pipeline, out_path):
    """Write `pipeline` to `out_path` in the native format; raise Unsupported if it cannot be expressed."""
    if not isinstance(pipeline, Pipeline):
        raise Unsupported(f"the file holds a {type(pipeline).__name__}, not a scikit-learn Pipeline")
    steps = [(n, s) for n, s in pipeline.steps if s is not None and not (isinstance(s, str) and s == "passthrough")]
    if len(steps) != 2:
        raise Unsupported(f"the pipeline has {len(steps)} steps ({', '.join(n for n, _ in steps)}); "
                          f"expected a vectorizer then a classifier")
    (vec_name, vec), (clf_name, clf) = steps
    tokenizer, vocabulary, weighting, tensors = vectorizer_spec(vec_name, vec)
    classes, layers, layer_tensors = classifier_spec(clf_name, clf, len(vocabulary))
    tensors.update(layer_tensors)
    document = {
        "classes": classes,
        "tokenizer": tokenizer,
        "vocabulary": vocabulary,
        "weighting": weighting,
        "layers": layers,
        "output": "binary-logistic",
    }
    texts = probe_texts(vocabulary)
    gap = float(np.max(np.abs(score(document, tensors, texts) - pipeline.predict_proba(texts))))
    if not gap <= TOLERANCE:
        raise Unsupported(f"the exported pipeline does not reproduce predict_proba (largest difference {gap:.3g}); "
                          f"some option of '{vec_name}' or '{clf_name}' is not expressible in format version "
                          f"{FORMAT_VERSION}")
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pipeline": json.dumps(document, ensure_ascii=False, separators=(",", ":")),
    }
    directory = os.path.dirname(os.path.abspath(out_path))
    temporary = os.path.join(directory, "." + os.path.basename(out_path) + ".part")
    try:
        write_safetensors(temporary, tensors, metadata)
        os.replace(temporary, out_path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        pipeline = joblib.load(argv[1])
    except Exception as error:  # a missing, corrupt or incompatible pickle
        print(f"export_sklearn.py: cannot load {argv[1]}: {error}", file=sys.stderr)
        return 2
    try:
        export(pipeline, argv[2])
    except Unsupported as error:
        print(f"export_sklearn.py: {argv[1]}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
