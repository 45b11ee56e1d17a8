#!/usr/bin/env bash
# The model card's tokenizer and size comparison: equal wall-clock budgets, two runs at a
# time with one thread each so that they share the machine evenly, then a table and plot.
#   bash scripts/seq2seq/run_choices.sh [MINUTES]      (default 14; about 2 x MINUTES in all)
# Needs runs/s2s_data (make_pairs.py), the Tesseract pairs and the char tokenizer:
#   python -m scripts.seq2seq.train_tokenizer --model-type char --vocab 600 --lines 20000 --out runs/tok_char
set -euo pipefail
M=${1:-14}
PAIRS=${PAIRS:-/work/work_data/ocr_pairs_train.tsv}
HELD=${HELD:-/work/work_data/ocr_pairs_heldout.tsv}
common=(--max-minutes "$((M + 1))" --train-minutes "$M" --threads 1 --eval-minutes 4
        --real "$PAIRS" --heldout "$HELD" --log-every 50)
run() {  # name, extra args...
    local name=$1; shift
    rm -rf "runs/cmp_$name" "runs/cmp_${name}_ckpt"
    python -m scripts.seq2seq.train_scorer "${common[@]}" --out "runs/cmp_$name" \
        --ckpt-dir "runs/cmp_${name}_ckpt" "$@" > "runs/cmp_$name.log" 2>&1
}
run spm-small --preset small &
run char-small --preset small --tokenizer runs/tok_char/spm.model --max-len 400 &
wait
run spm-mini --preset mini &
run spm-base --preset base &
wait
python -m scripts.seq2seq.compare_runs \
    spm-mini=runs/cmp_spm-mini/train_log.jsonl spm-small=runs/cmp_spm-small/train_log.jsonl \
    spm-base=runs/cmp_spm-base/train_log.jsonl char-small=runs/cmp_char-small/train_log.jsonl \
    --png models/seq2seq/choices.png
