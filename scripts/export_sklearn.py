#!/usr/bin/env python3
"""Convert a fitted scikit-learn text pipeline into validated's native checkpoint format.

    python3 scripts/export_sklearn.py IN.joblib OUT.safetensors

IN must hold (joblib.dump) a fitted Pipeline of two steps: a TfidfVectorizer (or CountVectorizer) with the word
analyzer and any word n-gram range, then one of
  - LogisticRegression, binary or multinomial;
  - CalibratedClassifierCV over LinearSVC, SGDClassifier or LogisticRegression: method="sigmoid" with any
    number of classes, method="temperature" with two, or with more and ensemble=False (one fold);
  - MLPClassifier (hidden activation identity, logistic, tanh or relu), binary or multiclass.
Anything else is refused with exit code 2 and a message on stderr naming the unsupported step or option. The
format is specified in docs/model-format.md; pipelines that version 1 can express are written as version 1,
the others (n-grams, stop words with n-grams, calibrated linear models) as version 2.

Before writing, the exporter scores a few probe documents twice, with scikit-learn's predict_proba and with an
independent implementation of the format's semantics, and refuses to export if they differ by more than 1e-6.
OUT is written to a hidden temporary name in the same directory and renamed, so a watched folder never sees a
half-written checkpoint; the same pipeline always gives the same bytes.
"""
import json
import os
import re
import struct
import sys

import joblib
import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

FORMAT = "validated.text-pipeline"
NEWEST_VERSION = "2"
ACTIVATIONS = {
    "identity": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "logistic": expit,
}
TOLERANCE = 1e-6
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


class Unsupported(Exception):
    """The pipeline uses something the format cannot express."""


def vectorizer_spec(name, vec):
    if not isinstance(vec, CountVectorizer):  # TfidfVectorizer is a subclass of CountVectorizer
        raise Unsupported(
            f"step '{name}' is {type(vec).__name__}: the first step must be a TfidfVectorizer (or CountVectorizer)")
    if vec.input != "content":
        raise Unsupported(f"step '{name}': input={vec.input!r} is not supported; use 'content' (the texts themselves)")
    if vec.analyzer != "word":
        raise Unsupported(f"step '{name}': analyzer={vec.analyzer!r} is not supported; use 'word'")
    min_n, max_n = vec.ngram_range
    if not 1 <= min_n <= max_n:
        raise Unsupported(f"step '{name}': ngram_range={tuple(vec.ngram_range)} is invalid; use (min_n, max_n) "
                          f"with 1 <= min_n <= max_n")
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
    # With n-grams they matter beyond the vocabulary (removing "of" makes "a of b" give the bigram "a b"), so
    # they are written out, and then a fixed vocabulary's stop words are dead columns in validated too.
    stop_words = vec.get_stop_words() or frozenset()
    dead = sorted(term for term in vocabulary if term in stop_words)
    if dead and max_n == 1:
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
        "ngram_range": [int(min_n), int(max_n)],
    }
    if max_n > 1 and stop_words:
        tokenizer["stop_words"] = sorted(stop_words)
    return tokenizer, vocabulary, weighting, tensors


def classifier_spec(name, clf, dimension):
    """The classes, layers, tensors and output fields ("output", and "output_groups" if it has groups) of the
    classifier step."""
    if not hasattr(clf, "classes_"):
        raise Unsupported(f"step '{name}' is not fitted")
    if isinstance(clf, LogisticRegression):
        return logistic_regression_spec(name, clf, dimension)
    if isinstance(clf, CalibratedClassifierCV):
        return calibrated_linear_spec(name, clf, dimension)
    if isinstance(clf, MLPClassifier):
        return mlp_spec(name, clf, dimension)
    raise Unsupported(f"step '{name}' is {type(clf).__name__}: the classifier must be a LogisticRegression, a "
                      f"CalibratedClassifierCV over a linear model, or an MLPClassifier")


def linear_parameters(name, model, dimension):
    """A fitted linear model's coef_ and intercept_ as float64 arrays [outputs, dimension] and [outputs]."""
    coef = np.asarray(model.coef_, dtype=np.float64)
    if coef.ndim != 2 or coef.shape[1] != dimension:
        raise Unsupported(f"step '{name}': coef_ has shape {coef.shape} but the vectorizer has {dimension} columns")
    intercept = np.broadcast_to(np.asarray(model.intercept_, dtype=np.float64), (coef.shape[0],))
    return coef, np.array(intercept)


def logistic_regression_spec(name, clf, dimension):
    classes = [str(c) for c in clf.classes_]
    coef, intercept = linear_parameters(name, clf, dimension)
    if len(classes) > 2 and getattr(clf, "multi_class", "auto") == "ovr":
        raise Unsupported(f"step '{name}': multi_class='ovr' normalizes one sigmoid per class, which the format "
                          f"cannot express; use the default multinomial LogisticRegression")
    layers = [{"weight": "classifier.weight", "bias": "classifier.bias", "activation": "identity"}]
    tensors = {"classifier.weight": coef, "classifier.bias": intercept}
    return classes, layers, tensors, {"output": "binary-logistic" if len(classes) == 2 else "softmax"}


def calibrated_linear_spec(name, clf, dimension):
    """CalibratedClassifierCV keeps one (linear model, calibrator) pair per fold and averages their probabilities.

    Fold f scores s = w.x + c. Sigmoid calibration gives P(positive) = sigmoid(-(A s + B)), a logistic unit of
    weight -A w and bias -A c - B; temperature scaling gives softmax(beta (-s, s))[1] = sigmoid(2 beta s), a
    logistic unit of weight 2 beta w and bias 2 beta c. So: one logistic layer with a unit per fold, then a layer
    that takes their mean, read as the positive class's probability (output binary-probability). With more
    classes, temperature scaling of a single fold is softmax(beta (W x + c)): one layer into a softmax."""
    if clf.method not in ("sigmoid", "temperature"):
        raise Unsupported(f"step '{name}': method={clf.method!r} is not supported (isotonic calibration is a step "
                          f"function of the score); use method='sigmoid' or 'temperature'")
    classes = [str(c) for c in clf.classes_]
    folds = []
    for calibrated in clf.calibrated_classifiers_:
        model = calibrated.estimator
        if isinstance(model, FrozenEstimator):
            model = model.estimator
        if not isinstance(model, (LinearSVC, SGDClassifier, LogisticRegression)):
            raise Unsupported(f"step '{name}': the calibrated estimator is {type(model).__name__}; use LinearSVC, "
                              f"SGDClassifier or LogisticRegression")
        folds.append((linear_parameters(name, model, dimension), calibrated.calibrators))
    if len(classes) > 2 and clf.method == "sigmoid":
        return calibrated_multiclass_sigmoid_spec(name, clf, classes, folds)
    if len(classes) > 2:
        if len(folds) != 1:
            raise Unsupported(f"step '{name}': a CalibratedClassifierCV with {len(classes)} classes averages "
                              f"{len(folds)} folds' temperature-scaled softmaxes, which the format cannot express; "
                              f"use ensemble=False, method='sigmoid', a multinomial LogisticRegression or an "
                              f"MLPClassifier")
        (coef, intercept), (calibrator,) = folds[0]
        layers = [{"weight": "calibrated.weight", "bias": "calibrated.bias", "activation": "identity"}]
        tensors = {"calibrated.weight": calibrator.beta_ * coef, "calibrated.bias": calibrator.beta_ * intercept}
        return classes, layers, tensors, {"output": "softmax"}
    weights, biases = [], []
    for (coef, intercept), (calibrator,) in folds:
        if clf.method == "sigmoid":
            weights.append(-calibrator.a_ * coef[0])
            biases.append(-calibrator.a_ * intercept[0] - calibrator.b_)
        else:
            weights.append(2 * calibrator.beta_ * coef[0])
            biases.append(2 * calibrator.beta_ * intercept[0])
    layers = [
        {"weight": "calibrated.folds.weight", "bias": "calibrated.folds.bias", "activation": "logistic"},
        {"weight": "calibrated.mean.weight", "bias": "calibrated.mean.bias", "activation": "identity"},
    ]
    tensors = {
        "calibrated.folds.weight": np.array(weights),
        "calibrated.folds.bias": np.array(biases),
        "calibrated.mean.weight": np.full((1, len(folds)), 1.0 / len(folds)),
        "calibrated.mean.bias": np.zeros(1),
    }
    return classes, layers, tensors, {"output": "binary-probability"}


def calibrated_multiclass_sigmoid_spec(name, clf, classes, folds):
    """With C classes each fold calibrates its C one-vs-rest scores with one sigmoid each, divides them by their
    sum, and the folds are averaged: one logistic unit per fold and class (fold-major), then the
    group-normalized-mean output with one group per fold."""
    weights, biases = [], []
    for fold, ((coef, intercept), calibrators) in enumerate(folds):
        if coef.shape[0] != len(classes) or len(calibrators) != len(classes):
            raise Unsupported(f"step '{name}': fold {fold} was fitted on {coef.shape[0]} of the {len(classes)} "
                              f"classes; use stratified folds in which every class occurs")
        for row, calibrator in enumerate(calibrators):
            weights.append(-calibrator.a_ * coef[row])
            biases.append(-calibrator.a_ * intercept[row] - calibrator.b_)
    layers = [{"weight": "calibrated.units.weight", "bias": "calibrated.units.bias", "activation": "logistic"}]
    tensors = {"calibrated.units.weight": np.array(weights), "calibrated.units.bias": np.array(biases)}
    return classes, layers, tensors, {"output": "group-normalized-mean", "output_groups": len(folds)}


def mlp_spec(name, clf, dimension):
    """scikit-learn stores coefs_[i] as [inputs, outputs]; the format wants [outputs, inputs]."""
    if clf.activation not in ACTIVATIONS:
        raise Unsupported(f"step '{name}': activation={clf.activation!r} is not supported; use one of "
                          f"{', '.join(sorted(ACTIVATIONS))}")
    classes = [str(c) for c in clf.classes_]
    if clf.out_activation_ == "logistic" and clf.n_outputs_ == 1:
        output = "binary-logistic"
    elif clf.out_activation_ == "softmax":
        output = "softmax"
    else:
        raise Unsupported(f"step '{name}': a multilabel MLPClassifier ({clf.n_outputs_} logistic outputs) cannot "
                          f"be exported; train it on one label per document")
    if clf.coefs_[0].shape[0] != dimension:
        raise Unsupported(f"step '{name}': the first layer has {clf.coefs_[0].shape[0]} inputs but the vectorizer "
                          f"has {dimension} columns")
    layers, tensors = [], {}
    last = len(clf.coefs_) - 1
    for index, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        layers.append({"weight": f"mlp.{index}.weight", "bias": f"mlp.{index}.bias",
                       "activation": "identity" if index == last else clf.activation})
        tensors[f"mlp.{index}.weight"] = np.asarray(coef, dtype=np.float64).T
        tensors[f"mlp.{index}.bias"] = np.asarray(intercept, dtype=np.float64)
    return classes, layers, tensors, {"output": output}


def terms_of(document, text):
    """The n-grams of `text` that the format counts (§3 steps 1 to 3), as strings."""
    tokenizer = document["tokenizer"]
    if tokenizer["lowercase"]:
        text = text.lower()
    stop = set(tokenizer.get("stop_words", []))
    tokens = [token for token in re.findall(tokenizer["token_pattern"], text) if token not in stop]
    low, high = tokenizer.get("ngram_range", [1, 1])
    return [" ".join(tokens[i:i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]


def score(document, tensors, texts):
    """The format's semantics (docs/model-format.md §3), written from the spec rather than from scikit-learn."""
    columns = {term: i for i, term in enumerate(document["vocabulary"])}
    weighting = document["weighting"]
    x = np.zeros((len(texts), len(columns)))
    for row, text in enumerate(texts):
        for term in terms_of(document, text):
            if term in columns:
                x[row, columns[term]] += 1
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
        x = ACTIVATIONS[layer["activation"]](x @ tensors[layer["weight"]].T + tensors[layer["bias"]])
    if document["output"] == "softmax":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if document["output"] == "group-normalized-mean":
        groups = x.reshape(len(texts), document["output_groups"], len(document["classes"]))
        totals = groups.sum(axis=2, keepdims=True)
        shares = np.where(totals > 0, groups / np.where(totals > 0, totals, 1), 1 / len(document["classes"]))
        return shares.mean(axis=1)
    p = expit(x[:, 0]) if document["output"] == "binary-logistic" else np.clip(x[:, 0], 0, 1)
    return np.column_stack([1 - p, p])


def format_version(document):
    """The oldest version that has everything `document` uses."""
    tokenizer = document["tokenizer"]
    if (tokenizer["ngram_range"] != [1, 1] or "stop_words" in tokenizer
            or document["output"] in ("binary-probability", "group-normalized-mean")):
        return NEWEST_VERSION
    return "1"


def probe_texts(vocabulary, stop_words):
    """A few deterministic documents made of vocabulary terms (some repeated, some between stop words), an
    unknown word and nothing."""
    n = len(vocabulary)
    texts = ["", "zzzz-not-a-term QQQ"]
    gap = f" {min(stop_words)} " if stop_words else " , "
    for k in range(24):
        terms = [vocabulary[(k * 7919 + j * 104729) % n] for j in range(1 + k % 9)]
        terms += terms[: k % 3]
        texts.append(" ".join(terms) if k % 2 else " ".join(terms).upper())
        texts.append(gap.join(terms))
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
    classes, layers, layer_tensors, output = classifier_spec(clf_name, clf, len(vocabulary))
    tensors.update(layer_tensors)
    document = {
        "classes": classes,
        "tokenizer": tokenizer,
        "vocabulary": vocabulary,
        "weighting": weighting,
        "layers": layers,
        **output,
    }
    texts = probe_texts(vocabulary, tokenizer.get("stop_words"))
    gap = float(np.max(np.abs(score(document, tensors, texts) - pipeline.predict_proba(texts))))
    if not gap <= TOLERANCE:
        raise Unsupported(f"the exported pipeline does not reproduce predict_proba (largest difference {gap:.3g}); "
                          f"some option of '{vec_name}' or '{clf_name}' is not expressible in the format")
    metadata = {
        "format": FORMAT,
        "format_version": format_version(document),
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
