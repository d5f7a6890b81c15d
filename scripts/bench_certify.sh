#!/usr/bin/env bash
# Certified LIME sample sizes beside lime 0.2.0.1 at 5000 samples, in one command: trains the WordNet-gloss TF-IDF
# logistic regression and exports it as a native checkpoint, runs lime on it under two seeds per document, then
# runs validated fixed (5000), certified, and certified with the saturation stop at several margins on the same
# checkpoint and documents and prints them side by side, with the share stopped certified/saturated/at the ceiling.
#
#     scripts/bench_certify.sh [DOCUMENTS]        # default 60 documents of 8 to 40 distinct words
set -euo pipefail
cd "$(dirname "$0")/.."
documents="${1:-60}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "bench_certify.sh: running lime 0.2.0.1 under two seeds on $documents documents (single-threaded BLAS)" >&2
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    python3 scripts/lime_reference.py seeds --out "$work" --documents "$documents"
swift build -c release --product validated-benchmarks >&2
# Two seed sets for validated, so the seed-to-seed Jaccard's noise shows beside the saturation margins' effect.
for seed_index in 0 2; do
    echo "seed indices $seed_index and $((seed_index + 1)):"
    "$(swift build -c release --show-bin-path)/validated-benchmarks" certify --seed-index "$seed_index" \
        --model "$work/model.safetensors" --documents "$work/documents.json" --reference "$work/lime-seeds.json"
done
