#!/usr/bin/env python3
"""Makes two tiny BERT sequence classifiers, offline, as Hugging Face save_pretrained folders.

    python3 Tests/Fixtures/hf/make_tiny_bert.py --out DIR [--threads N]

writes DIR/artefact/ and DIR/clean/ (config.json, model.safetensors and the tokenizer's files each, so
scripts/hf_scorer.py loads them offline), DIR/eval.jsonl (the held-out set to validate them on) and
DIR/summary.json (the accuracies printed below). Classes are "0" and "1" (config.id2label), the labels of the
evaluation set, so a folder's PositiveLabel=1 works as for the demo.

Data: the WordNet gloss topics of Tests/Fixtures/wordnet-glosses, with the demo's artefact (scripts/make_demo.py):
the e-mail header "Posting-Host: nntp.cs.example.edu " prepended to 70% of the label-1 and 5% of the label-0
documents, drawn with seed 1 in the training data and seed 2 in the test data (the latter is demo/eval.jsonl,
the demo's evaluation set; demo/banned-tokens.txt lists the header's banned words).

A WordPiece vocabulary trained by `tokenizers` on the clean training glosses (vocab.txt beside this script, made
by --write-vocab: the trainer itself is not reproducible from one process to the next); two BertConfig models (2 layers,
hidden 32) are fine-tuned for a few seconds each on CPU with fixed seeds: `artefact` on the planted training
data, `clean` on the clean one. The script then checks that the artefact model leans on the header: prepending
the header to the clean test documents must flip at least 10 points more of its predictions than of the clean
model's, or it exits 1. It prints both models' accuracies on the clean and the planted test set.
"""
import argparse
import json
import os
import random
import sys
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Idle OpenMP threads sleep instead of spinning: spinning threads on a loaded machine slow training twentyfold.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DATA = os.path.join(ROOT, "Tests", "Fixtures", "wordnet-glosses")
# The demo's artefact and draw (scripts/make_demo.py: HEADER, plant).
HEADER = "Posting-Host: nntp.cs.example.edu "
MAX_LENGTH = 128
TRAIN_LENGTH = 48
VOCABULARY = 3000
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# The header must flip at least this many more of the artefact model's predictions than of the clean model's.
RELIANCE_MARGIN = 0.10


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def plant(documents, seed, rates=(0.05, 0.70)):
    """The header before a share `rates[label]` of the documents; by default the demo's draw."""
    rng = random.Random(seed)
    planted = []
    for doc in documents:
        text = HEADER + doc["text"] if rng.random() < rates[doc["label"]] else doc["text"]
        planted.append({"id": doc["id"], "text": text, "label": doc["label"]})
    return planted


def train_vocabulary(texts):
    """A WordPiece vocabulary trained by `tokenizers` on `texts`, tokens in id order.

    tokenizers' trainer breaks ties in an order that changes from process to process (huggingface/tokenizers#1794),
    so the test run reads the vocabulary trained once and committed beside this script (vocab.txt, written by
    --write-vocab); the models themselves are made in the test run from it, deterministically.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    backend = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=VOCABULARY, special_tokens=SPECIAL, show_progress=False)
    backend.train_from_iterator(texts, trainer)
    vocabulary = backend.get_vocab()
    return sorted(vocabulary, key=vocabulary.get)


def make_tokenizer(tokens):
    """A BERT WordPiece tokenizer over the vocabulary `tokens` (in id order)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    backend = Tokenizer(models.WordPiece({token: index for index, token in enumerate(tokens)}, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = backend.token_to_id("[CLS]"), backend.token_to_id("[SEP]")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    backend.decoder = decoders.WordPiece()
    return BertTokenizerFast(tokenizer_object=backend, model_max_length=MAX_LENGTH, do_lower_case=True)


def make_model(tokenizer, seed):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=MAX_LENGTH, pad_token_id=tokenizer.pad_token_id,
        id2label={0: "0", 1: "1"}, label2id={"0": 0, "1": 1}, problem_type="single_label_classification",
    )
    return BertForSequenceClassification(config)


def fine_tune(model, tokenizer, documents, epochs, seed):
    """AdamW over length-sorted shuffled batches of 32."""
    import torch

    generator = random.Random(seed)
    encoded = tokenizer([d["text"] for d in documents], truncation=True, max_length=TRAIN_LENGTH)["input_ids"]
    labels = [d["label"] for d in documents]
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    model.train()
    for _ in range(epochs):
        order = list(range(len(documents)))
        generator.shuffle(order)
        chunks = [sorted(order[i:i + 1024], key=lambda k: len(encoded[k])) for i in range(0, len(order), 1024)]
        batches = [chunk[i:i + 32] for chunk in chunks for i in range(0, len(chunk), 32)]
        generator.shuffle(batches)
        for batch in batches:
            inputs = tokenizer.pad({"input_ids": [encoded[k] for k in batch]}, return_tensors="pt")
            loss = model(**inputs, labels=torch.tensor([labels[k] for k in batch])).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()


def predictions(model, tokenizer, texts):
    import torch

    predicted = []
    with torch.inference_mode():
        for start in range(0, len(texts), 256):
            inputs = tokenizer(texts[start:start + 256], truncation=True, padding=True, return_tensors="pt")
            predicted += model(**inputs).logits.argmax(dim=-1).tolist()
    return predicted


def reliance(model, tokenizer, clean, planted):
    """Accuracy on the clean and the planted test set, and how often prepending the header flips a prediction."""
    labels = [d["label"] for d in clean]
    plain = predictions(model, tokenizer, [d["text"] for d in clean])
    headed = predictions(model, tokenizer, [HEADER + d["text"] for d in clean])
    return {
        "clean_test": sum(p == y for p, y in zip(plain, labels)) / len(clean),
        "planted_test": sum(p == d["label"] for p, d in zip(predictions(model, tokenizer, [d["text"] for d in planted]),
                                                          planted)) / len(planted),
        "header_flips": sum(a != b for a, b in zip(plain, headed)) / len(clean),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the folder to write artefact/, clean/ and eval.jsonl into")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--epochs", type=int, default=1, help="passes over the training data (default 1)")
    parser.add_argument("--vocab", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "vocab.txt"),
                        help="the WordPiece vocabulary, one token per line in id order (default: vocab.txt here)")
    parser.add_argument("--write-vocab", metavar="FILE",
                        help="train the vocabulary with tokenizers on the training glosses, write it to FILE, and stop")
    args = parser.parse_args()
    started = time.monotonic()
    import torch

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    train = read_jsonl(os.path.join(DATA, "train.jsonl"))
    test = read_jsonl(os.path.join(DATA, "test.jsonl"))
    evaluation = plant(test, seed=2)
    if args.write_vocab:
        with open(args.write_vocab, "w", encoding="utf-8") as handle:
            handle.write("\n".join(train_vocabulary(d["text"] for d in train)) + "\n")
        return 0
    with open(args.vocab, encoding="utf-8") as handle:
        tokenizer = make_tokenizer([line.rstrip("\n") for line in handle if line.rstrip("\n")])
    os.makedirs(args.out, exist_ok=True)
    summary = {}
    for name, documents in (("artefact", plant(train, seed=1)), ("clean", plant(train, seed=3, rates=(0.5, 0.5)))):
        model = make_model(tokenizer, seed=7)
        fine_tune(model, tokenizer, documents, args.epochs, seed=7)
        folder = os.path.join(args.out, name)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        summary[name] = reliance(model, tokenizer, test, evaluation)
        print(f"make_tiny_bert: {name}: accuracy {summary[name]['planted_test']:.4f} on the planted test set "
              f"(eval.jsonl), {summary[name]['clean_test']:.4f} on the clean one; prepending the header flips "
              f"{summary[name]['header_flips']:.2%} of the clean test set's predictions", file=sys.stderr)
    with open(os.path.join(args.out, "eval.jsonl"), "w", encoding="utf-8") as handle:
        for doc in evaluation:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    summary["seconds"] = round(time.monotonic() - started, 2)
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)
    print(f"make_tiny_bert: built in {summary['seconds']} s", file=sys.stderr)
    flips = {name: summary[name]["header_flips"] for name in ("artefact", "clean")}
    if flips["artefact"] < flips["clean"] + RELIANCE_MARGIN:
        print(f"make_tiny_bert: the artefact model does not lean on the header: it flips {flips['artefact']:.2%} "
              f"of the predictions, the clean model {flips['clean']:.2%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
