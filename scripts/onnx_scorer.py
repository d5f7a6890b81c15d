#!/usr/bin/env python3
"""Reference scorer for validated: serves one ONNX text classifier over the scorer protocol.

    python3 onnx_scorer.py [--classes A,B,...] [--threads N] MODEL.onnx

Speaks validated-scorer/1 (docs/scorer-protocol.md) on standard input and output: announces the model's
class labels once the model is loaded, then answers each {"id", "texts"} request line with one probability
row per text. Standard error is free-form logging.

The model takes one string input (shape [N] or [N, 1]) and has a probability output: a float tensor
[N, classes] (skl2onnx with zipmap=False) or a sequence of label-to-probability maps (zipmap=True). Class
labels come from --classes, else from the model's classifier node (LinearClassifier, SVMClassifier,
TreeEnsembleClassifier, ZipMap), else the scorer refuses to start.

scikit-learn pipelines with a TfidfVectorizer are best converted with the vectorizer option
{"locale": "C.UTF-8"} (scripts/export_onnx.py does): ONNX Runtime's string operators otherwise need the
en_US.UTF-8 locale to be installed.
"""
import argparse
import json
import sys

PROTOCOL = "validated-scorer"
VERSION = 1
CLASSIFIER_OPS = ("LinearClassifier", "SVMClassifier", "TreeEnsembleClassifier", "ZipMap")


def log(message):
    print(f"onnx_scorer: {message}", file=sys.stderr, flush=True)


def send(message):
    sys.stdout.write(json.dumps(message, ensure_ascii=False, allow_nan=True) + "\n")
    sys.stdout.flush()


def labels_from_graph(path):
    """The class labels stored in the model's classifier node, or None."""
    try:
        import onnx
    except ImportError:
        return None
    model = onnx.load(path)
    for node in model.graph.node:
        if node.op_type not in CLASSIFIER_OPS:
            continue
        for attribute in node.attribute:
            if attribute.name == "classlabels_strings" and attribute.strings:
                return [value.decode("utf-8") for value in attribute.strings]
            if attribute.name in ("classlabels_ints", "classlabels_int64s") and attribute.ints:
                return [str(value) for value in attribute.ints]
    return None


def runtime():
    """numpy and onnxruntime, or an ImportError that says what to install."""
    try:
        import numpy
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            f"the ONNX scorer needs onnxruntime and numpy, which {sys.executable} cannot import ({error}); "
            f"install them with: {sys.executable} -m pip install onnxruntime numpy"
        ) from None
    return numpy, onnxruntime


class Model:
    """One ONNX Runtime session with its string input and probability output."""

    def __init__(self, path, classes, threads):
        numpy, onnxruntime = runtime()
        self.numpy = numpy
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or inputs[0].type != "tensor(string)":
            described = ", ".join(f"{i.name}: {i.type}" for i in inputs)
            raise ValueError(f"the model must take one string tensor; it takes {described}")
        self.input = inputs[0]
        self.output = self._probability_output()
        self.classes = classes or labels_from_graph(path)
        if not self.classes:
            raise ValueError("cannot tell the model's class labels; pass --classes A,B,... in output-column order")

    def _probability_output(self):
        outputs = self.session.get_outputs()
        for output in outputs:
            if output.type in ("tensor(float)", "tensor(double)") and len(output.shape or []) == 2:
                return output
        for output in outputs:
            if output.type.startswith("seq(map("):
                return output
        described = ", ".join(f"{o.name}: {o.type}" for o in outputs)
        raise ValueError(f"the model has no probability output (a [N, classes] float tensor or a ZipMap); it has {described}")

    def predict(self, texts):
        if not texts:
            return []
        batch = self.numpy.array(texts, dtype=object)
        if len(self.input.shape or []) == 2:
            batch = batch.reshape(-1, 1)
        (result,) = self.session.run([self.output.name], {self.input.name: batch})
        if isinstance(result, list):
            return [[float(row[_key(row, label)]) for label in self.classes] for row in result]
        return [[float(value) for value in row] for row in result.tolist()]


def _key(row, label):
    """ZipMap keys are strings or integers; the protocol's labels are strings."""
    if label in row:
        return label
    return int(label)


def serve(model):
    for raw in sys.stdin.buffer:
        request_id = None
        try:
            request = json.loads(raw)
            request_id = request.get("id")
            texts = request["texts"]
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                raise ValueError("\"texts\" must be a list of strings")
            send({"id": request_id, "probabilities": model.predict(texts)})
        except Exception as error:  # every failure is one error reply; the scorer keeps serving
            log(f"request {request_id}: {error!r}")
            send({"id": request_id, "error": f"{type(error).__name__}: {error}"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="the .onnx file")
    parser.add_argument("--classes", help="class labels in output-column order, comma-separated")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads (default 1)")
    args = parser.parse_args()
    try:
        classes = args.classes.split(",") if args.classes else None
        model = Model(args.model, classes, args.threads)
    except Exception as error:
        log(f"cannot load {args.model}: {error!r}")
        send({"protocol": PROTOCOL, "version": VERSION, "error": f"cannot load {args.model}: {error}"})
        return 1
    _, onnxruntime = runtime()

    send({
        "protocol": PROTOCOL,
        "version": VERSION,
        "classes": model.classes,
        "scorer": f"onnx_scorer.py (onnxruntime {onnxruntime.__version__})",
    })
    serve(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
