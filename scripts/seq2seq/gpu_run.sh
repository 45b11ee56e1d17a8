#!/bin/bash
# One GPU training run on the device machine (see models/seq2seq/generator/CARD.md).
# Needs runs/s2s_data (carried) and models/seq2seq/spm.model; writes the model to $OUT.
set -o pipefail
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-runs/s2s_gpu}
MAXMIN=${MAXMIN:-8.6}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
nproc
python3 -c "import torch, transformers, sentencepiece, matplotlib; print('torch', torch.__version__, 'transformers', transformers.__version__, 'spm', sentencepiece.__version__)"
python3 scripts/seq2seq/train.py --data runs/s2s_data --tokenizer models/seq2seq/spm.model \
    --out "$OUT" --ckpt-dir /tmp/s2s_ckpt --preset base --max-minutes "$MAXMIN" \
    --reserve-minutes 0.5 --workers 12 --eval-minutes 1.25 --save-on-eval \
    --ckpt-minutes 100 --log-every 100 --lr 6e-4 --warmup 800 --max-tokens 24000
