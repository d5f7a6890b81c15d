#!/usr/bin/env bash
# Scoring speed beside scikit-learn, in one command: builds a 100,000-term TF-IDF (1, 2)-gram vocabulary on the
# WordNet glosses, trains a logistic regression and a 256-unit relu MLP on it, times predict_proba (one thread,
# then default BLAS threads), exports both and times validated's batched scorer on the same documents (one
# thread, then every core).
#
#     scripts/bench_score.sh [DOCUMENTS]        # default 20000 documents
set -euo pipefail
cd "$(dirname "$0")/.."
documents="${1:-20000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "bench_score.sh: training and timing scikit-learn on $documents documents" >&2
python3 scripts/bench_score.py --out "$work" --documents "$documents"
swift build -c release --product validated-benchmarks >&2
"$(swift build -c release --show-bin-path)/validated-benchmarks" score --directory "$work"
