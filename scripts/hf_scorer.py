#!/usr/bin/env python3
"""Reference scorer for validated: serves one Hugging Face text classifier folder over the scorer protocol.

    python3 hf_scorer.py [--threads N] [--max-batch-tokens N] FOLDER

FOLDER is what `model.save_pretrained(FOLDER)` and `tokenizer.save_pretrained(FOLDER)` write: config.json, the
weights (model.safetensors or pytorch_model.bin) and the tokenizer's files. The scorer loads it with
AutoModelForSequenceClassification and AutoTokenizer, strictly offline: it never reaches a model hub, and a
folder that lacks a file it needs is refused at the handshake with an error naming what is missing.

Speaks validated-scorer/1 (docs/scorer-protocol.md) on standard input and output. The classes are the strings
of config.id2label in index order (LABEL_0, LABEL_1 unless the model names them): the folder's PositiveLabel=
must be one of them. Probabilities are the softmax, in float64, of the model's logits (single-label
classification only). Texts longer than the model's maximum length (the tokenizer's model_max_length, at most
what the position embeddings allow) are truncated, and said so: the handshake announces "max_length" and each
reply lists the truncated texts' indices in "truncated".

Each request's texts are sorted by token length and run in sub-batches of at most --max-batch-tokens padded
tokens, so short texts are not padded to the longest one. --threads sets torch's intra-op threads (default:
every core the process may run on). Standard output carries the protocol alone: everything any library prints
goes to standard error.
"""
import argparse
import json
import os
import sys

# Set before transformers is imported (in Model), so that no hub is ever reached.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Idle OpenMP threads sleep instead of spinning, which slows a shared machine's other work and this scorer.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

PROTOCOL = "validated-scorer"
VERSION = 1
# The real standard output, kept for the protocol by claim_stdout().
PROTOCOL_OUT = None
NEVER_DOWNLOADS = "hf_scorer.py works offline and never downloads"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
# Models whose position ids start after the padding index, so two positions are not usable.
OFFSET_POSITIONS = {"roberta", "xlm-roberta", "camembert", "longformer", "roberta-prelayernorm", "xlm-roberta-xl"}


def claim_stdout():
    """Keeps the real standard output for the protocol; fd 1 (print, C libraries, tqdm) goes to stderr from now on.

    Called before torch or transformers is imported, so nothing they print can reach the protocol.
    """
    global PROTOCOL_OUT
    PROTOCOL_OUT = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)


def log(message):
    print(f"hf_scorer: {message}", file=sys.stderr, flush=True)


def send(message):
    PROTOCOL_OUT.write(json.dumps(message, ensure_ascii=False) + "\n")
    PROTOCOL_OUT.flush()


class LoadError(Exception):
    """The folder cannot be served; the message says what is missing or wrong."""


def is_tokenizer_file(name):
    """Whether `name` is a file a tokenizer's vocabulary lives in (tokenizer.json, vocab.txt, spm.model, ...)."""
    return name == "tokenizer.json" or name.startswith("vocab") or name.endswith((".model", ".spm"))


def check_files(folder):
    """Refuses a folder without a config, weights or tokenizer before transformers is asked to find them."""
    if not os.path.isdir(folder):
        raise LoadError(f"{folder} is not a folder; hf_scorer.py serves save_pretrained folders")
    present = sorted(os.listdir(folder))
    listing = ", ".join(present) or "nothing"
    missing = []
    if "config.json" not in present:
        missing.append("config.json (model.save_pretrained writes it)")
    if not any(name in present for name in WEIGHT_FILES):
        missing.append(f"the weights ({' or '.join(WEIGHT_FILES[::2])}; model.save_pretrained writes them)")
    if not any(is_tokenizer_file(name) for name in present):
        missing.append("a tokenizer (tokenizer.json, vocab.txt, vocab.json, *.model, ...; tokenizer.save_pretrained "
                       "writes it)")
    if missing:
        raise LoadError(f"{folder} lacks {'; '.join(missing)}; it holds {listing}. {NEVER_DOWNLOADS}: "
                        f"save the model and its tokenizer into the folder")


def class_labels(config):
    """config.id2label's strings in index order; refuses anything but single-label classification."""
    problem = getattr(config, "problem_type", None)
    if problem not in (None, "single_label_classification"):
        raise LoadError(f"config.json says problem_type {problem!r}; hf_scorer.py serves single-label "
                        f"classifiers only (one softmax over the classes)")
    labels = {int(index): str(label) for index, label in (config.id2label or {}).items()}
    if len(labels) < 2 or sorted(labels) != list(range(len(labels))):
        raise LoadError(f"config.json's id2label must name classes 0..N-1, at least two (it has {labels}); "
                        f"a model with one output is a regression, which hf_scorer.py does not serve")
    classes = [labels[index] for index in range(len(labels))]
    if len(set(classes)) != len(classes):
        raise LoadError(f"config.json's id2label names a class twice: {classes}")
    return classes


def maximum_length(config, tokenizer):
    """The longest input the model takes: the tokenizer's limit, bounded by the position embeddings."""
    positions = getattr(config, "max_position_embeddings", None)
    if positions and getattr(config, "model_type", "") in OFFSET_POSITIONS:
        positions -= 2
    limits = [value for value in (tokenizer.model_max_length, positions) if value and value < 1_000_000]
    if not limits:
        raise LoadError("neither the tokenizer (model_max_length) nor config.json (max_position_embeddings) says "
                        "how long an input may be")
    return int(min(limits))


def runtime():
    """torch and transformers, or an ImportError that says what to install."""
    try:
        import torch
        import transformers
    except ImportError as error:
        raise ImportError(
            f"the Hugging Face scorer needs torch and transformers, which {sys.executable} cannot import ({error}); "
            f"install them with: {sys.executable} -m pip install torch transformers "
            "(CPU wheels: --index-url https://download.pytorch.org/whl/cpu for torch)"
        ) from None
    return torch, transformers


class Model:
    """One sequence classifier and its tokenizer, loaded from a save_pretrained folder."""

    def __init__(self, folder, threads, max_batch_tokens):
        check_files(folder)
        torch, transformers = runtime()

        self.torch = torch
        transformers.utils.logging.disable_progress_bar()
        self.max_batch_tokens = max_batch_tokens
        torch.set_num_threads(threads)
        offline = {"local_files_only": True, "trust_remote_code": False}
        try:
            config = transformers.AutoConfig.from_pretrained(folder, **offline)
            self.classes = class_labels(config)
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **offline)
        except (OSError, ValueError) as error:
            raise LoadError(f"{error} ({NEVER_DOWNLOADS})") from error
        self.model, info = transformers.AutoModelForSequenceClassification.from_pretrained(
            folder, config=config, output_loading_info=True, **offline
        )
        if info.get("missing_keys"):
            raise LoadError(f"the weights lack {', '.join(sorted(info['missing_keys']))}: the folder is not a "
                            f"trained sequence classifier (its head would be random)")
        self.model.eval()
        self.max_length = maximum_length(config, self.tokenizer)

    def encode(self, texts):
        """Token ids per text, truncated at max_length, and the indices of the texts that were truncated."""
        full = self.tokenizer(texts, truncation=False, verbose=False)
        rows = [{key: full[key][index] for key in full} for index in range(len(texts))]
        truncated = [index for index, row in enumerate(rows) if len(row["input_ids"]) > self.max_length]
        if truncated:
            cut = self.tokenizer([texts[index] for index in truncated], truncation=True, max_length=self.max_length)
            for position, index in enumerate(truncated):
                rows[index] = {key: cut[key][position] for key in cut}
        return rows, truncated

    def batches(self, rows):
        """Row indices sorted by length, cut into groups of at most max_batch_tokens padded tokens."""
        order = sorted(range(len(rows)), key=lambda index: len(rows[index]["input_ids"]))
        group = []
        for index in order:
            longest = len(rows[index]["input_ids"])
            if group and (len(group) + 1) * longest > self.max_batch_tokens:
                yield group
                group = []
            group.append(index)
        if group:
            yield group

    def predict(self, texts):
        """Probability rows in request order, and the indices of truncated texts."""
        if not texts:
            return [], []
        rows, truncated = self.encode(texts)
        probabilities = [None] * len(texts)
        with self.torch.inference_mode():
            for group in self.batches(rows):
                inputs = self.tokenizer.pad([rows[index] for index in group], return_tensors="pt")
                logits = self.model(**inputs).logits
                for index, row in zip(group, self.torch.softmax(logits.double(), dim=-1).tolist()):
                    probabilities[index] = row
        return probabilities, truncated


def serve(model):
    for raw in sys.stdin.buffer:
        request_id = None
        try:
            request = json.loads(raw)
            request_id = request.get("id")
            texts = request["texts"]
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                raise ValueError("\"texts\" must be a list of strings")
            probabilities, truncated = model.predict(texts)
            reply = {"id": request_id, "probabilities": probabilities}
            if truncated:
                reply["truncated"] = truncated
            send(reply)
        except Exception as error:  # every failure is one error reply; the scorer keeps serving
            log(f"request {request_id}: {error!r}")
            send({"id": request_id, "error": f"{type(error).__name__}: {error}"})


def main():
    claim_stdout()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="the save_pretrained folder")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                        help="torch intra-op threads (default: every core this process may use)")
    parser.add_argument("--max-batch-tokens", type=int, default=8192,
                        help="padded tokens per forward pass (default 8192)")
    args = parser.parse_args()
    try:
        model = Model(args.folder, max(1, args.threads), max(1, args.max_batch_tokens))
    except Exception as error:
        log(f"cannot load {args.folder}: {error!r}")
        send({"protocol": PROTOCOL, "version": VERSION, "error": f"cannot load {args.folder}: {error}"})
        return 1
    torch, transformers = runtime()

    send({
        "protocol": PROTOCOL,
        "version": VERSION,
        "classes": model.classes,
        "scorer": f"hf_scorer.py (transformers {transformers.__version__}, torch {torch.__version__})",
        "max_length": model.max_length,
    })
    log(f"serving {args.folder}: classes {model.classes}, max_length {model.max_length}, "
        f"{torch.get_num_threads()} threads")
    serve(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
