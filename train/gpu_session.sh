#!/usr/bin/env bash
# A GPU session's training and measuring in one command, for a lent GPU that comes in short calls
# (about 10 minutes each):
#   1. three trainings side by side, each fitted to BUDGET with --time-budget (the step count and
#      the lr decay follow from the measured step rate, so every run ends with a decayed lr);
#      small models keep a GPU far from full, so three of them share it well;
#   2. the runs packed into OUT (export, log, last sample grids), ready to be measured on any machine
#      with `python -m ganzoo.evaluate` or bench/*_quality.py;
#   3. the training-throughput benchmark, eager and with CUDA graphs, against the reference implementation.
#
#   GANZOO_DATA=.gpudata OUT=/tmp/out BUDGET=400s REF=path/to/pytorch-CycleGAN-and-pix2pix \
#   INPAINT_STATE=runs/emoji-inpaint bash train/gpu_session.sh
#
# GANZOO_DATA must already hold noto_128.npz, twemoji_128.npz and the emoji metadata (a GPU machine
# may have no network); INPAINT_STATE, if set, is a run folder of emoji-inpaint to continue.
set -u
OUT=${OUT:-runs/gpu-session}
BUDGET=${BUDGET:-400s}
REF=${REF:-}
PY=${PY:-python3}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT" runs/gpu-logs
L=runs/gpu-logs
start=$(date +%s)
(nvidia-smi || true) > $L/nvidia-smi.txt 2>&1
$PY -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU')"
common="--mixed-precision ${PRECISION:-bf16} --no-progress --time-budget $BUDGET --steps 1000000 ${EXTRA:-}"

$PY train/cyclegan.py --domain-a noto --domain-b twemoji --size 128 --ngf 32 --ndf 32 --n-blocks 6 \
    --batch-size 16 --sample-every 1000 --ckpt-every 2000 --out runs/noto2twemoji-gpu $common \
    > $L/cyclegan.log 2>&1 &
$PY train/inpaint.py --dataset emoji --size 128 --cnum 32 --stages 2 --ndf 64 --lambda-gan 0.1 \
    --lr 2e-4 --decay-from 0.5 --batch-size 32 --sample-every 1000 --ckpt-every 2000 \
    --out runs/emoji-inpaint-c2f $common > $L/inpaint-c2f.log 2>&1 &
if [ -n "${INPAINT_STATE:-}" ]; then  # the bundled one-stage model, continued (a warm restart)
  $PY train/inpaint.py --dataset emoji --size 128 --cnum 16 --stages 1 --ndf 32 --lambda-gan 0.1 \
      --lr 2e-4 --decay-from 0.5 --batch-size 16 --sample-every 1000 --ckpt-every 2000 \
      --out "$INPAINT_STATE" --resume $common > $L/inpaint-c16.log 2>&1 &
fi
wait
echo "trainings done after $(( $(date +%s) - start )) s"

pack() {  # run folder -> OUT/name.tgz: export, log, run.json, the last three sample grids
  local run=$1 name=$2
  [ -d "$run/final" ] || { echo "no export in $run"; return; }
  tar czf "$OUT/$name.tgz" -C "$run" final log.jsonl run.json \
      $(cd "$run" && ls samples/*.png 2>/dev/null | tail -3)
}
pack runs/noto2twemoji-gpu noto2twemoji-gpu
pack runs/emoji-inpaint-c2f emoji-inpaint-c2f
[ -n "${INPAINT_STATE:-}" ] && pack "$INPAINT_STATE" emoji-inpaint-c16

if [ -n "$REF" ]; then
  ref="--reference $REF"
else
  ref=""
fi
timeout ${BENCH_S:-60} $PY bench/throughput.py --mixed-precision bf16 --steps 30 --warmup 5 $ref \
    --json "$OUT/throughput_eager.json" > $L/throughput_eager.txt 2>&1
# CUDA graphs: the eager step of these small networks is bound by kernel launches (H200, 2026-11-26)
timeout ${COMPILE_S:-90} $PY bench/throughput.py --families pix2pix cyclegan --mixed-precision bf16 \
    --compile-mode ${COMPILE_MODE:-reduce-overhead} --steps 30 --warmup 10 $ref --json "$OUT/throughput_compile.json" \
    > $L/throughput_compile.txt 2>&1
tar czf "$OUT/logs.tgz" $L
tail -n 30 $L/*.txt $L/*.log
echo "session done after $(( $(date +%s) - start )) s"
