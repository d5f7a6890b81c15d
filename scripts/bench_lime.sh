#!/usr/bin/env bash
# LIME speed beside the reference, in one command: installs lime 0.2.0.1 if missing, trains the WordNet-gloss
# TF-IDF logistic regression, times lime's LimeTextExplainer on it single-threaded for documents of each length,
# then times validated's engine on the same checkpoint and documents (one thread, then every core) and prints
# both side by side with their ratio per length.
#
#     scripts/bench_lime.sh [DOCUMENTS] [LENGTHS]   # default 20 documents of 5, 20 and 50 distinct words each,
#                                                   # 5000 samples, 10 features
set -euo pipefail
cd "$(dirname "$0")/.."
documents="${1:-20}"
lengths="${2:-5,20,50}"
if ! python3 -c 'import lime' 2>/dev/null; then
    echo "bench_lime.sh: installing lime 0.2.0.1 and scikit-learn with pip" >&2
    python3 -m pip install --quiet 'lime==0.2.0.1' scikit-learn
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "bench_lime.sh: timing lime 0.2.0.1 on $documents documents of $lengths words (single-threaded BLAS)" >&2
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    python3 scripts/lime_reference.py bench --out "$work" --documents "$documents" --lengths "$lengths" >/dev/null
sets=()
for words in ${lengths//,/ }; do
    sets+=(--documents "$work/documents-$words.json" --reference "$work/reference-timing-$words.json")
done
swift build -c release --product validated-benchmarks >&2
"$(swift build -c release --show-bin-path)/validated-benchmarks" lime --model "$work/model.safetensors" "${sets[@]}"
