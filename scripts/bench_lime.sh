#!/usr/bin/env bash
# LIME speed beside the reference, in one command: installs lime 0.2.0.1 if missing, trains the WordNet-gloss
# TF-IDF logistic regression, times lime's LimeTextExplainer on it single-threaded, then times validated's
# engine on the same checkpoint and documents (one thread, then every core).
#
#     scripts/bench_lime.sh [DOCUMENTS]        # default 20 documents, 5000 samples, 10 features
set -euo pipefail
cd "$(dirname "$0")/.."
documents="${1:-20}"
if ! python3 -c 'import lime' 2>/dev/null; then
    echo "bench_lime.sh: installing lime 0.2.0.1 and scikit-learn with pip" >&2
    python3 -m pip install --quiet 'lime==0.2.0.1' scikit-learn
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "bench_lime.sh: timing lime 0.2.0.1 on $documents documents (single-threaded BLAS)" >&2
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    python3 scripts/lime_reference.py bench --out "$work" --documents "$documents" >/dev/null
swift build -c release --product validated-benchmarks >&2
"$(swift build -c release --show-bin-path)/validated-benchmarks" lime \
    --model "$work/model.safetensors" --documents "$work/documents.json" --reference "$work/reference-timing.json"
