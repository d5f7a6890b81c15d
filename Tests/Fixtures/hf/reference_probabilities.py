#!/usr/bin/env python3
"""transformers' own class probabilities for texts, to check scripts/hf_scorer.py against.

    python3 Tests/Fixtures/hf/reference_probabilities.py FOLDER TEXTS.json OUT.json

TEXTS.json is a JSON list of strings. OUT.json gets {"classes": config.id2label in index order, "max_length",
"probabilities": softmax in float64 of the logits of one padded batch, truncated at the tokenizer's
model_max_length, "truncated": indices of the texts longer than that}. Offline, like the scorer.
"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def main():
    folder, texts_path, out_path = sys.argv[1:4]
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
    with open(texts_path, encoding="utf-8") as handle:
        texts = json.load(handle)
    limit = tokenizer.model_max_length
    with torch.inference_mode():
        inputs = tokenizer(texts, padding=True, truncation=True, max_length=limit, return_tensors="pt")
        probabilities = torch.softmax(model(**inputs).logits.double(), dim=-1).tolist()
    truncated = [index for index, text in enumerate(texts) if len(tokenizer(text)["input_ids"]) > limit]
    classes = [model.config.id2label[index] for index in range(model.config.num_labels)]
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump({"classes": classes, "max_length": limit, "probabilities": probabilities, "truncated": truncated},
                  handle)


if __name__ == "__main__":
    main()
