#!/usr/bin/env python3
"""Convert a fitted scikit-learn text pipeline to ONNX for validated's reference scorer (onnx_scorer.py).

    python3 scripts/export_onnx.py MODEL.joblib MODEL.onnx

The pipeline takes raw strings (for example Pipeline(TfidfVectorizer(), LogisticRegression())). Its ONNX
graph takes one string tensor of shape [N, 1] named "text" and outputs a [N, classes] float tensor of
probabilities (zipmap off); the class labels stay in the classifier node, where onnx_scorer.py finds them.
Vectorizers are exported with locale C.UTF-8, which every glibc system has; ONNX Runtime's default,
en_US.UTF-8, is often not installed and then fails at load time.
"""
import sys

import joblib


def export(pipeline, path):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import StringTensorType
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    options = {}
    for _, step in getattr(pipeline, "steps", []):
        if isinstance(step, (TfidfVectorizer, CountVectorizer)):
            options[id(step)] = {"locale": "C.UTF-8"}
        elif hasattr(step, "predict_proba"):
            options[id(step)] = {"zipmap": False}
    model = convert_sklearn(pipeline, initial_types=[("text", StringTensorType([None, 1]))], options=options)
    with open(path, "wb") as handle:
        handle.write(model.SerializeToString())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export(joblib.load(sys.argv[1]), sys.argv[2])


if __name__ == "__main__":
    main()
