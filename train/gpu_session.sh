#!/usr/bin/env bash
# The prepared command for a lent GPU (one call, ≤ 9 minutes): retrain every bundled GPU model side
# by side, pack the exports, measure the training step. See train/gpu_session.py for the plan.
#
# Before the call, on this machine (the GPU machine has no network):
#   python train/gpu_session.py --prepare-data .gpudata   # data, bundled configs, the INIT weights
#   mv checkpoints ../checkpoints.aside                    # 68 MB: too much to travel with the code
# The call (device tool, carry [".gpudata", ".gpuref"]; then move checkpoints back):
#   OUT=$OUT bash train/gpu_session.sh
# If it says some packs were left: a second call at once (the machine stays warm ~30 s):
#   python3 train/gpu_session.py --out runs/gpu-session --deliver $OUT --deliver-only
# Afterwards, here: unpack OUT/*.tgz (parts: cat NAME.tgz.part* > NAME.tgz), `python -m ganzoo.evaluate` each export, look at its samples,
# and bundle the ones that beat the current models.
set -eu
cd "$(dirname "$0")/.."
export GANZOO_DATA=${GANZOO_DATA:-.gpudata} PYTHONUNBUFFERED=1
ref=()
if [ -d "${REF:-.gpuref}" ]; then ref=(--reference "${REF:-.gpuref}"); fi
# the bundled models' configs and the continued runs' weights came in the data folder
if [ ! -f checkpoints/emoji-inpaint/config.json ] && [ -d "$GANZOO_DATA/checkpoints" ]; then
  export GANZOO_CHECKPOINTS=$GANZOO_DATA/checkpoints
fi
(nvidia-smi || true) | head -15
# the packs go to $OUT within what a call brings back; the rest stays in runs/gpu-session
exec python3 train/gpu_session.py --out runs/gpu-session --deliver "${OUT:-runs/gpu-session/out}" \
  --budget "${BUDGET:-330s}" "${ref[@]}" "$@"
