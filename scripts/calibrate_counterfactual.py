#!/usr/bin/env python3
"""Measure the counterfactual suite on real text models, to calibrate its limits.

    python3 scripts/calibrate_counterfactual.py [--validatectl PATH] [--out DIR]

Trains four classifiers on the WordNet glosses (Tests/Fixtures/wordnet-glosses/train.jsonl), a clean and an
artefact twin of each kind, exports them to the native format and runs `validatectl validate` on each with the
built-in default settings plus `[Counterfactual] Artefact=Posting-Host: nntp.cs.example.edu` and the demo's
banned list (nntp, host, edu, /nntp[a-z0-9]*/):

- lr-clean / lr-artefact: TfidfVectorizer + LogisticRegression(C=10), as scripts/make_demo.py trains them;
- mlp-clean / mlp-artefact: TfidfVectorizer + a 64-unit MLP (alpha=1e-3).

The artefact twins are trained on the header "Posting-Host: nntp.cs.example.edu " planted in 70% of label-1 and
5% of label-0 training documents (make_demo.plant, seed 1). Each model is validated on two evaluation sets:

- clean: the held-out glosses as they are (Tests/Fixtures/wordnet-glosses/test.jsonl), no banned token in them;
- planted: the demo's evaluation set (demo/eval.jsonl), the header planted likewise (seed 2).

With --tiny-bert DIR (the folder Tests/Fixtures/hf/make_tiny_bert.py writes; the test run caches it under
.build/hf-fixtures/), the tiny BERT twins are validated too, through scripts/hf_scorer.py, on the clean set and on
DIR/eval.jsonl (planted as the demo's), with fewer LIME samples and documents (the suite does not depend on them).

It prints, per model and set, every test's mean shift of P(positive) with its 95% interval (what the verdict
reads), the net flip rate (to the positive class minus from it) with its interval, the mean |shift| and the flip
rate (either way: the edits' noise), the suite's verdict and cost. The limits of [Counterfactual] (WarnShift,
MaxShift, WarnFlipRate, MaxFlipRate) are read against these numbers; docs/counterfactual.md and
etc/validated/validated.conf quote them.
"""
import argparse
import json
import os
import subprocess
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import make_demo  # noqa: E402
from export_sklearn import export  # noqa: E402

CONFIG = """[Counterfactual]
Artefact=Posting-Host: nntp.cs.example.edu
"""
# The tiny BERT twins score about 150 texts a second here: the end-to-end tests' fewer LIME samples and documents
# keep a run short.
FAST_SETTINGS = os.path.join(ROOT, "Tests", "Fixtures", "hf", "fast-settings.conf")


def kinds():
    lr = lambda: Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression(C=10, max_iter=2000))])  # noqa
    mlp = lambda: Pipeline(  # noqa: E731
        [("tfidf", TfidfVectorizer()),
         ("clf", MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=200, random_state=0))]
    )
    return [("lr", lr), ("mlp", mlp)]


def describe(name, evaluation, report):
    suite = report["checks"]["counterfactual"]
    print(f"{name:13} {evaluation:7} run {report['verdict']:4} {report['duration_seconds']:6.1f} s "
          f"{report['model_calls']:7} calls | suite {suite['verdict']:4} {suite['seconds']:5.2f} s "
          f"{suite['model_calls']:5} calls ({100 * suite['model_calls'] / report['model_calls']:.1f}% of the run's)")
    for test in suite["tests"]:
        low, high = test.get("mean_shift_ci") or [float("nan")] * 2
        nlow, nhigh = test.get("net_flip_rate_ci") or [float("nan")] * 2
        label = f"{test['kind']} {test.get('inserted') or test['entry']}"[:44]
        print(f"    {label:44} n={test['documents']:3} shift {test['mean_shift']:+.3f} [{low:+.3f}, {high:+.3f}]"
              f" net flips {test['net_flip_rate']:+.3f} [{nlow:+.3f}, {nhigh:+.3f}]"
              f" | either way |shift| {test['mean_abs_shift']:.3f} flips {test['flip_rate']:.3f}"
              f" | mds {test.get('min_detectable_shift') or 0:.3f} {test['verdict']}")
    agreement = suite.get("agreement") or {}
    print(f"    candidates: {[c['token'] for c in suite['candidates']]}; Kendall tau {agreement.get('kendall_tau')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--validatectl", default=os.path.join(ROOT, ".build/debug/validatectl"))
    parser.add_argument("--out", default="/tmp/validated-counterfactual")
    parser.add_argument("--tiny-bert", help="the folder make_tiny_bert.py wrote: validate its twins too")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    config = os.path.join(args.out, "validated.conf")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(CONFIG)
    train = make_demo.read_jsonl(os.path.join(make_demo.DATA, "train.jsonl"))
    planted = make_demo.plant(train, seed=1)
    sets = {"clean": os.path.join(make_demo.DATA, "test.jsonl"), "planted": os.path.join(ROOT, "demo", "eval.jsonl")}
    for kind, make in kinds():
        for variant, documents in [("clean", train), ("artefact", planted)]:
            name = f"{kind}-{variant}"
            pipeline = make()
            pipeline.fit([d["text"] for d in documents], [d["label"] for d in documents])
            path = os.path.join(args.out, name + ".safetensors")
            export(pipeline, path)
            for evaluation, eval_path in sets.items():
                describe(name, evaluation, validate(args.validatectl, path, eval_path, config))
    if args.tiny_bert:
        fast = os.path.join(args.out, "tiny-bert.conf")
        with open(FAST_SETTINGS, encoding="utf-8") as settings, open(fast, "w", encoding="utf-8") as handle:
            handle.write(CONFIG + settings.read())
        scorer = ["--scorer", f"folder=python3 {os.path.join(HERE, 'hf_scorer.py')} --threads 2"]
        sets["planted"] = os.path.join(args.tiny_bert, "eval.jsonl")
        for variant in ["clean", "artefact"]:
            for evaluation, eval_path in sets.items():
                path = os.path.join(args.tiny_bert, variant)
                report = validate(args.validatectl, path, eval_path, fast, scorer)
                describe(f"bert-{variant}", evaluation, report)


def validate(validatectl, path, eval_path, config, extra=()):
    """`validatectl validate --json` on one model: its report."""
    result = subprocess.run(
        [validatectl, "validate", path, "--eval", eval_path, "--config", config,
         "--banned", os.path.join(ROOT, "demo", "banned-tokens.txt"), "--json", *extra],
        capture_output=True, text=True, check=False,
    )
    if not result.stdout:
        sys.exit(f"validatectl validate {path} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


if __name__ == "__main__":
    main()
