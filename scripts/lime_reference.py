#!/usr/bin/env python3
"""Reference values from the `lime` package (0.2.0.1) for validated's LIME engine.

    python3 scripts/lime_reference.py fixture [--out Tests/Fixtures/lime]
    python3 scripts/lime_reference.py bench --out DIR [--documents 20] [--samples 5000] [--features 10] [--lengths 5,20,50]
    python3 scripts/lime_reference.py seeds --out DIR [--documents 40] [--samples 5000] [--features 10]
    python3 scripts/lime_reference.py hf-seeds --model FOLDER --out DIR [--documents 6] [--samples 5000] [--features 10]

`fixture` trains the WordNet-gloss pipeline (TfidfVectorizer + LogisticRegression on the first 2000 training
glosses), exports it with export_sklearn.py to OUT/model.safetensors, explains 10 test glosses under 5 seeds
with LimeTextExplainer(num_samples=5000, num_features=10) and writes OUT/reference.json: the explanations
(top-10 words and weights, intercept, score, local_pred) plus exact values for the deterministic pieces
(tokenisation and masking, distances and kernel, ridge fits, feature selection including the LARS lasso path,
and an explanation of each option on fixed data). LimeParityTests reads both files.

`bench` trains the same pipeline on every training gloss, exports it to DIR/model.safetensors and, for each length
N of --lengths, writes DIR/documents-N.json (documents of exactly N distinct LIME words) and times the reference
on them single-threaded (DIR/reference-timing-N.json); scripts/bench_lime.sh then runs validated's engine on the
same files. Without --lengths it writes DIR/documents.json and DIR/reference-timing.json for test glosses of 8 to
40 words, as before.

`seeds` trains and exports the same pipeline and documents as `bench` and explains each document under two seeds
(DIR/lime-seeds.json: each run's top words, seconds and model calls), for `validated-benchmarks certify`
(scripts/bench_certify.sh) to compare certified explanations with lime's and lime with itself.

`hf-seeds` does the same for a Hugging Face save_pretrained classifier FOLDER (scripts/bench_certify_hf.sh: the
all-MiniLM-L6-v2 classifier of bench_hf.py), scored in this process by hf_scorer.py's own Model class (the same
tokenisation, length-sorted sub-batches and float64 softmax the scorer serves validated with). Its documents are
the first glosses of demo/eval.jsonl with 8 to 40 distinct words; lime-seeds.json also holds each document's
probabilities ("proba"), so the benchmark can check that the scorer gives validated the same ones.
"""
import argparse
import itertools
import json
import os
import sys
import time

import numpy as np
import sklearn
from lime import lime_base
from lime.lime_text import IndexedCharacters, IndexedString, LimeTextExplainer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge, lars_path
from sklearn.metrics.pairwise import pairwise_distances
from sklearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_sklearn import export  # noqa: E402

REPOSITORY = os.path.dirname(HERE)
GLOSSES = os.path.join(REPOSITORY, "Tests", "Fixtures", "wordnet-glosses")
SEEDS = [1, 2, 3, 4, 5]


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def train(limit):
    documents = read_jsonl(os.path.join(GLOSSES, "train.jsonl"))[:limit]
    pipeline = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=10, max_iter=2000))])
    pipeline.fit([d["text"] for d in documents], [d["label"] for d in documents])
    return pipeline


def pick_documents(count, low, high, source=os.path.join(GLOSSES, "test.jsonl")):
    """The first `count` glosses of `source` (default the test glosses) with `low` to `high` distinct LIME words,
    in file order."""
    picked = []
    for document in read_jsonl(source):
        if low <= IndexedString(document["text"]).num_words() <= high:
            picked.append({"id": document["id"], "text": document["text"]})
        if len(picked) == count:
            break
    return picked


def explain(pipeline, text, seed, samples=5000, features=10, **options):
    explainer = LimeTextExplainer(random_state=seed, **options)
    explanation = explainer.explain_instance(text, pipeline.predict_proba, num_features=features, num_samples=samples)
    return {
        "seed": seed,
        "features": [[word, float(weight)] for word, weight in explanation.as_list(label=1)],
        "intercept": float(explanation.intercept[1]),
        "score": float(explanation.score),
        "local_pred": float(np.ravel(explanation.local_pred)[0]),
    }


def tokenisation_cases():
    """IndexedString / IndexedCharacters on fixed texts: tokens, features, and masking of fixed ids."""
    texts = ["don't  stop, ok? Don stop", "Posting-Host: nntp.cs.example.edu", "x_1 + y_2 = 3.5\n", "Ärger über 東京 ½!"]
    cases = []
    for text in texts:
        for split, bow, characters in [(r"\W+", True, False), (r"\W+", False, False), (r"\s+", True, False),
                                       (r"[,.?!]", False, False), (None, True, True), (None, False, True)]:
            if characters:
                indexed = IndexedCharacters(text, bow=bow)
            else:
                indexed = IndexedString(text, split_expression=split, bow=bow)
            d = indexed.num_words()
            removals = [[i for i in range(d) if i % 2 == 0], [d - 1], list(range(d))]
            cases.append({
                "text": text, "split_expression": split, "bow": bow, "char_level": characters,
                "tokens": list(indexed.as_list), "words": list(indexed.inverse_vocab),
                "removed": removals,
                "masked": [indexed.inverse_removing(np.array(r, dtype=int)) for r in removals],
            })
    return cases


def fixed_data(rows=200, columns=8, seed=20):
    """A LIME-like neighbourhood: row 0 all ones, targets nonlinear in a few columns plus noise, so that the
    selection methods disagree."""
    rng = np.random.RandomState(seed)
    data = np.ones((rows, columns))
    for i in range(1, rows):
        data[i, rng.choice(columns, rng.randint(1, columns + 1), replace=False)] = 0
    x = data
    labels = (0.3 + 0.4 * x[:, 0] * x[:, 3] - 0.3 * x[:, 1] + 0.25 * np.maximum(x[:, 2], x[:, 4])
              + 0.12 * x[:, 5] * x[:, 6] - 0.08 * x[:, 7] + rng.normal(0, 0.05, rows))
    distances = pairwise_distances(data, data[0:1], metric="cosine").ravel() * 100
    weights = np.sqrt(np.exp(-(distances ** 2) / 25 ** 2))
    return data, labels, distances, weights


def lasso_path_with_a_drop():
    """Correlated Gaussian columns, seeds tried in order until the lasso path drops a variable on the way."""
    for seed in itertools.count():
        rng = np.random.RandomState(seed)
        base = rng.normal(size=(30, 2))
        x = base @ rng.normal(size=(2, 5)) + 0.3 * rng.normal(size=(30, 5))
        y = x @ np.array([1.0, -1.0, 0.5, 0.0, 0.3]) + rng.normal(size=30)
        alphas, _, coefs = lars_path(x, y, method="lasso")
        active = [int(np.count_nonzero(c)) for c in coefs.T]
        if any(b < a for a, b in zip(active, active[1:])):
            return {"name": f"drop (seed {seed})", "x": x.tolist(), "y": y.tolist(), "alphas": alphas.tolist(),
                    "coefs": coefs.T.tolist()}


def deterministic():
    data, labels, distances, weights = fixed_data()
    out = {"data": data.astype(int).tolist(), "labels": labels.tolist(), "distances": distances.tolist(),
           "weights": weights.tolist()}
    fits = []
    for alpha in [1.0, 0.01, 0.0]:
        for columns in [list(range(data.shape[1])), [2, 0, 5]]:
            ridge = Ridge(alpha=alpha, fit_intercept=True).fit(data[:, columns], labels, sample_weight=weights)
            fits.append({
                "alpha": alpha, "columns": columns, "coefficients": ridge.coef_.tolist(),
                "intercept": float(ridge.intercept_),
                "score": float(ridge.score(data[:, columns], labels, sample_weight=weights)),
                "prediction_at_ones": float(ridge.predict(data[0:1, columns])[0]),
            })
    out["ridge"] = fits
    weighted_data = (data - np.average(data, axis=0, weights=weights)) * np.sqrt(weights[:, np.newaxis])
    weighted_labels = (labels - np.average(labels, weights=weights)) * np.sqrt(weights)
    alphas, _, coefs = lars_path(weighted_data, weighted_labels, method="lasso")
    out["lars"] = [{"name": "fixed neighbourhood", "x": weighted_data.tolist(), "y": weighted_labels.tolist(),
                    "alphas": alphas.tolist(), "coefs": coefs.T.tolist()}, lasso_path_with_a_drop()]
    base = lime_base.LimeBase(lambda d: np.sqrt(np.exp(-(d ** 2) / 25 ** 2)), random_state=0)
    selections = []
    for method in ["forward_selection", "highest_weights", "lasso_path", "none", "auto"]:
        for features in [2, 3, 7]:
            used = base.feature_selection(data, labels, weights, features, method)
            intercept, exp, score, local_pred = base.explain_instance_with_data(
                data, labels[:, None], distances, 0, features, feature_selection=method)
            selections.append({
                "method": method, "features": features, "selected": [int(i) for i in used],
                "explanation": [[int(i), float(w)] for i, w in exp], "intercept": float(intercept),
                "score": float(score), "local_pred": float(np.ravel(local_pred)[0]),
            })
    out["selections"] = selections
    kept = [[k, 10] for k in range(11)] + [[3, 7], [1, 1], [17, 40]]
    out["kernel"] = [{"kept": k, "total": d,
                      "distance": float(pairwise_distances(
                          np.array([[1.0] * k + [0.0] * (d - k)]), np.ones((1, d)), metric="cosine")[0, 0] * 100)}
                     for k, d in kept]
    for entry in out["kernel"]:
        entry["weight"] = float(np.sqrt(np.exp(-(entry["distance"] ** 2) / 25 ** 2)))
    return out


def fixture(arguments):
    os.makedirs(arguments.out, exist_ok=True)
    pipeline = train(2000)
    export(pipeline, os.path.join(arguments.out, "model.safetensors"))
    documents = pick_documents(10, 8, 20)
    for document in documents:
        document["proba"] = pipeline.predict_proba([document["text"]])[0].tolist()
        document["words"] = list(IndexedString(document["text"]).inverse_vocab)
        document["runs"] = [explain(pipeline, document["text"], seed) for seed in SEEDS]
    options = []
    text = next(d["text"] for d in documents if ";" in d["text"])
    for name, settings, features in [
        ("bow=False", {"bow": False}, 10), ("split_expression=\\s+", {"split_expression": r"\s+"}, 10),
        ("char_level=True", {"char_level": True, "bow": False}, 10),
        ("feature_selection=lasso_path", {"feature_selection": "lasso_path"}, 10),
        ("feature_selection=forward_selection", {"feature_selection": "forward_selection"}, 5),
        ("feature_selection=auto (6 features)", {}, 6),
    ]:
        options.append({"name": name, "settings": settings, "num_features": features,
                        "runs": [explain(pipeline, text, seed, features=features, **settings) for seed in SEEDS]})
    top = LimeTextExplainer(random_state=1).explain_instance(
        text, pipeline.predict_proba, num_features=10, num_samples=5000, top_labels=2)
    reference = {
        "lime": "0.2.0.1", "sklearn": sklearn.__version__, "numpy": np.__version__,
        "settings": {"num_samples": 5000, "num_features": 10, "kernel_width": 25, "seeds": SEEDS},
        "documents": documents,
        "options": {"text": text, "cases": options, "top_labels_2": [int(label) for label in top.top_labels]},
        "tokenisation": tokenisation_cases(),
        "deterministic": deterministic(),
    }
    with open(os.path.join(arguments.out, "reference.json"), "w", encoding="utf-8") as handle:
        json.dump(reference, handle, ensure_ascii=False, separators=(",", ":"))
        handle.write("\n")


def documents_of_length(count, words):
    """`count` documents of exactly `words` distinct LIME words: consecutive test glosses of one topic (label)
    joined with "; ", cut at the word that makes `words`. Each document starts at a new gloss."""
    glosses = {0: [], 1: []}
    for document in read_jsonl(os.path.join(GLOSSES, "test.jsonl")):
        glosses[document["label"]].append(document["text"])
    picked = []
    for label in itertools.cycle([1, 0]):
        stream = glosses[label]
        text = ""
        while stream and IndexedString(text).num_words() < words:
            gloss = stream.pop(0).split()
            text += "; " if text else ""
            for index, word in enumerate(gloss):
                candidate = text + (" " if index else "") + word
                if IndexedString(candidate).num_words() > words:
                    break
                text = candidate
        if IndexedString(text).num_words() != words:
            raise SystemExit(f"lime_reference.py: the test glosses cannot make {count} documents of {words} words")
        picked.append({"id": f"words{words}-{len(picked)}", "text": text})
        if len(picked) == count:
            return picked


def bench(arguments):
    os.makedirs(arguments.out, exist_ok=True)
    pipeline = train(None)
    export(pipeline, os.path.join(arguments.out, "model.safetensors"))
    if arguments.lengths:
        for words in [int(w) for w in arguments.lengths.split(",")]:
            time_reference(pipeline, documents_of_length(arguments.documents, words), arguments, f"-{words}")
    else:
        time_reference(pipeline, pick_documents(arguments.documents, 8, 40), arguments, "")


def time_reference(pipeline, documents, arguments, suffix):
    """Writes documents{suffix}.json and the reference's timing of them, reference-timing{suffix}.json."""
    with open(os.path.join(arguments.out, f"documents{suffix}.json"), "w", encoding="utf-8") as handle:
        json.dump(documents, handle, ensure_ascii=False)
    explain(pipeline, documents[0]["text"], 0, arguments.samples, arguments.features)  # warm-up
    stages = {"sampling": 0.0, "scoring": 0.0, "distances": 0.0, "fit": 0.0}
    total = cpu = 0.0
    for index, document in enumerate(documents):
        start, start_cpu = time.perf_counter(), time.process_time()
        explain(pipeline, document["text"], index, arguments.samples, arguments.features)
        total += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        stages_of(pipeline, document["text"], index, arguments.samples, arguments.features, stages)
    words = [IndexedString(d["text"]).num_words() for d in documents]
    result = {
        "documents": len(documents), "samples": arguments.samples, "features": arguments.features,
        "mean_distinct_words": float(np.mean(words)), "seconds_per_explanation": total / len(documents),
        "cpu_seconds_per_explanation": cpu / len(documents),
        "stages_per_explanation": {k: v / len(documents) for k, v in stages.items()},
    }
    with open(os.path.join(arguments.out, f"reference-timing{suffix}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    print(json.dumps(result))


def seeds(arguments):
    os.makedirs(arguments.out, exist_ok=True)
    pipeline = train(None)
    export(pipeline, os.path.join(arguments.out, "model.safetensors"))
    documents = pick_documents(arguments.documents, 8, 40)
    calls = CountingModel(pipeline)
    explain(calls, documents[0]["text"], 0, arguments.samples, arguments.features)  # warm-up
    write_seed_runs(calls, documents, arguments, {})


def hf_seeds(arguments):
    """lime under two seeds per document on a Hugging Face classifier folder, scored as hf_scorer.py scores."""
    os.makedirs(arguments.out, exist_ok=True)
    from hf_scorer import Model

    model = Model(arguments.model, max(1, arguments.threads), max(1, arguments.max_batch_tokens))
    if model.classes != ["0", "1"]:
        raise SystemExit(f"lime_reference.py: {arguments.model} has classes {model.classes}; hf-seeds explains "
                         f"label 1 of a 2-class classifier whose classes are \"0\" and \"1\" (bench_hf.py makes one)")
    documents = pick_documents(arguments.documents, 8, 40, arguments.eval)
    if not documents:
        raise SystemExit(f"lime_reference.py: {arguments.eval} has no gloss of 8 to 40 distinct words")
    calls = CountingModel(HFClassifier(model))
    # The warm-up: the documents themselves, whose probabilities the benchmark compares with the scorer's.
    probabilities = calls.predict_proba([document["text"] for document in documents]).tolist()
    write_seed_runs(calls, documents, arguments, {d["id"]: p for d, p in zip(documents, probabilities)})


def write_seed_runs(calls, documents, arguments, probabilities):
    """Explains each document under seeds 0 and 1 with `calls`, writing OUT/documents.json and OUT/lime-seeds.json
    (each run's seconds, model calls and top words, and each document's probabilities when given)."""
    with open(os.path.join(arguments.out, "documents.json"), "w", encoding="utf-8") as handle:
        json.dump(documents, handle, ensure_ascii=False)
    runs = []
    for document in documents:
        entry = {"id": document["id"], "runs": []}
        if document["id"] in probabilities:
            entry["proba"] = probabilities[document["id"]]
        for seed in [0, 1]:
            calls.count = 0
            start = time.perf_counter()
            run = explain(calls, document["text"], seed, arguments.samples, arguments.features)
            entry["runs"].append({"seed": seed, "seconds": time.perf_counter() - start, "model_calls": calls.count,
                                  "top": [word for word, _ in run["features"]]})
            print(f"lime_reference.py: {document['id']} seed {seed}: {entry['runs'][-1]['seconds']:.1f} s",
                  file=sys.stderr, flush=True)
        runs.append(entry)
    with open(os.path.join(arguments.out, "lime-seeds.json"), "w", encoding="utf-8") as handle:
        json.dump({"samples": arguments.samples, "features": arguments.features, "documents": runs}, handle)


class HFClassifier:
    """hf_scorer.py's Model as a predict_proba for lime: one probability row per text, in the texts' order."""

    def __init__(self, model):
        self.model = model

    def predict_proba(self, texts):
        probabilities, _ = self.model.predict(list(texts))
        return np.array(probabilities, dtype=np.float64)


class CountingModel:
    """The pipeline, counting the texts it scores."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.count = 0

    def predict_proba(self, texts):
        self.count += len(texts)
        return self.pipeline.predict_proba(texts)


def stages_of(pipeline, text, seed, samples, features, stages):
    """The reference's own steps, timed one by one (the same calls explain_instance makes)."""
    rng = np.random.RandomState(seed)
    indexed = IndexedString(text)
    d = indexed.num_words()
    start = time.perf_counter()
    sizes = rng.randint(1, d + 1, samples - 1)
    data = np.ones((samples, d))
    texts = [text]
    for i, size in enumerate(sizes, start=1):
        inactive = rng.choice(range(d), size, replace=False)
        data[i, inactive] = 0
        texts.append(indexed.inverse_removing(inactive))
    stages["sampling"] += time.perf_counter() - start
    start = time.perf_counter()
    labels = pipeline.predict_proba(texts)
    stages["scoring"] += time.perf_counter() - start
    start = time.perf_counter()
    import scipy.sparse
    matrix = scipy.sparse.csr_matrix(data)
    distances = pairwise_distances(matrix, matrix[0], metric="cosine").ravel() * 100
    stages["distances"] += time.perf_counter() - start
    start = time.perf_counter()
    base = lime_base.LimeBase(lambda x: np.sqrt(np.exp(-(x ** 2) / 25 ** 2)), random_state=rng)
    base.explain_instance_with_data(data, labels, distances, 1, features)
    stages["fit"] += time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    fixture_parser = commands.add_parser("fixture")
    fixture_parser.add_argument("--out", default=os.path.join(REPOSITORY, "Tests", "Fixtures", "lime"))
    bench_parser = commands.add_parser("bench")
    bench_parser.add_argument("--out", required=True)
    bench_parser.add_argument("--documents", type=int, default=20)
    bench_parser.add_argument("--samples", type=int, default=5000)
    bench_parser.add_argument("--features", type=int, default=10)
    bench_parser.add_argument("--lengths", help="comma-separated distinct-word counts, e.g. 5,20,50")
    seeds_parser = commands.add_parser("seeds")
    seeds_parser.add_argument("--out", required=True)
    seeds_parser.add_argument("--documents", type=int, default=40)
    seeds_parser.add_argument("--samples", type=int, default=5000)
    seeds_parser.add_argument("--features", type=int, default=10)
    hf_parser = commands.add_parser("hf-seeds")
    hf_parser.add_argument("--model", required=True, help="a save_pretrained classifier folder (bench_hf.py --out)")
    hf_parser.add_argument("--out", required=True)
    hf_parser.add_argument("--documents", type=int, default=6)
    hf_parser.add_argument("--samples", type=int, default=5000)
    hf_parser.add_argument("--features", type=int, default=10)
    hf_parser.add_argument("--eval", default=os.path.join(REPOSITORY, "demo", "eval.jsonl"),
                           help="the JSON lines the documents are picked from (default demo/eval.jsonl)")
    hf_parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                           help="torch intra-op threads, as hf_scorer.py's --threads (default: every core)")
    hf_parser.add_argument("--max-batch-tokens", type=int, default=8192,
                           help="padded tokens per forward pass, as hf_scorer.py's (default 8192)")
    arguments = parser.parse_args()
    {"fixture": fixture, "bench": bench, "seeds": seeds, "hf-seeds": hf_seeds}[arguments.command](arguments)


if __name__ == "__main__":
    main()
