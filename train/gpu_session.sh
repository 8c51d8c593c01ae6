#!/usr/bin/env bash
# The prepared command for a call to this workplace's lent GPU (one call, ≤ 9 minutes): retrain
# every bundled model side by side (train/retrain.py), pack the exports, time the training step,
# and deliver the packs within what a call brings back (train/device_call.py says how).
#
# Before the call, here (the GPU machine has no network):
#   python train/device_call.py prepare          # .gpudata: data, bundled configs, weights to continue
#   mv checkpoints ../checkpoints.aside          # too much to travel with the code; back after the call
# The call (device tool, carry [".gpudata", ".gpuref"]):
#   OUT=$OUT bash train/gpu_session.sh           # BUDGET=330s by default; names/flags go to retrain.py
# If it says some packs were left, a second call at once (the machine stays warm a little while):
#   python3 train/device_call.py deliver
# Afterwards, here: unpack $OUT/*.tgz (parts: cat NAME.tgz.part* > NAME.tgz), `python -m
# ganzoo.evaluate` each export, look at its samples, and bundle those that beat the current models.
set -eu
cd "$(dirname "$0")/.."
exec python3 train/device_call.py run --budget "${BUDGET:-330s}" "$@"
