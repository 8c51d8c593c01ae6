#!/usr/bin/env bash
# The prepared command for a lent GPU (one call, ≤ 9 minutes): retrain every bundled GPU model side
# by side, pack the exports, measure the training step. See train/gpu_session.py for the plan.
#
# Before the call, on this machine (the GPU machine has no network):
#   python train/gpu_session.py --prepare-data .gpudata        # ~55 MiB of the 64 MiB a call carries
# The call (device tool, carry [".gpudata"] and, for the reference comparison, [".gpuref"]):
#   OUT=$OUT bash train/gpu_session.sh
# Afterwards, here: unpack OUT/*.tgz, `python -m ganzoo.evaluate` each export, look at its samples,
# and bundle the ones that beat the current models.
set -eu
cd "$(dirname "$0")/.."
export GANZOO_DATA=${GANZOO_DATA:-.gpudata} PYTHONUNBUFFERED=1
ref=()
if [ -d "${REF:-.gpuref}" ]; then ref=(--reference "${REF:-.gpuref}"); fi
(nvidia-smi || true) | head -15
exec python3 train/gpu_session.py --out "${OUT:-runs/gpu-session}" --budget "${BUDGET:-330s}" "${ref[@]}" "$@"
