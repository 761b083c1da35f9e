#!/usr/bin/env bash
# Train the Rasa model into models/hotline.tar.gz with .venv-rasa (not committed).
#
#   scripts/train_nlu.sh            # validate + train, skipped when nothing changed
#   FORCE=1 scripts/train_nlu.sh    # train even if the fingerprint is unchanged
#
# Idempotent: a SHA-256 fingerprint of config.yml, domain.yml, data/nlu/, data/responses/,
# data/stories*, data/rules*, nlu/, what the pipeline reads from hotline/domain (reading.py,
# sounds.py, data/sounds.tsv, intents.py, private.py), the urgency corpus (data/urgency/ and
# bench/nlu_eval/urgent_dev.jsonl, read by nlu.components.UrgencyClassifier; that component
# also hashes them into Rasa's own cache key) and the Rasa version is kept next to the model in
# models/.hotline.fingerprint; training is skipped while it is unchanged and the model exists.
# (Rasa's own fingerprinting only caches graph nodes: `rasa train --fixed-model-name` still
# re-packages and rewrites the model each time, so we keep our own.)
# Custom components (nlu.components.*) are imported by module path: PYTHONPATH is the repo root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RASA_BIN="${RASA_BIN:-$ROOT/.venv-rasa/bin/rasa}"
MODEL_NAME="${HOTLINE_MODEL_NAME:-hotline}"
OUT_DIR="${HOTLINE_MODEL_DIR:-$ROOT/models}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# numpy's OpenBLAS falls back to its slowest kernel on a CPU it cannot name (nlu/blas.py);
# `rasa train` loads numpy before any of our code can say which kernel the CPU allows.
if [[ -z "${OPENBLAS_CORETYPE:-}" && -x "$ROOT/.venv-rasa/bin/python" ]]; then
  OPENBLAS_CORETYPE="$(cd "$ROOT" && .venv-rasa/bin/python -c 'from nlu.blas import kernel; print(kernel() or "")')"
  [[ -n "$OPENBLAS_CORETYPE" ]] && export OPENBLAS_CORETYPE || unset OPENBLAS_CORETYPE
fi

if [[ ! -x "$RASA_BIN" ]]; then
  echo "error: $RASA_BIN not found; create .venv-rasa first (see README: setup)" >&2
  exit 2
fi

DATA=()
for p in data/nlu data/responses data/stories data/rules data/stories.yml data/rules.yml; do
  [[ -e "$p" ]] && DATA+=("$p")
done
if [[ ${#DATA[@]} -eq 0 ]]; then
  echo "error: no training data under data/nlu" >&2
  exit 2
fi

fingerprint() {
  {
    "$RASA_BIN" --version 2>/dev/null | grep -m1 'Rasa Version' || true
    find config.yml domain.yml "${DATA[@]}" nlu data/urgency bench/nlu_eval/urgent_dev.jsonl \
      data/sounds.tsv hotline/domain/sounds.py hotline/domain/reading.py \
      hotline/domain/intents.py hotline/domain/private.py -type f \
      ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 2>/dev/null \
      | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

mkdir -p "$OUT_DIR"
FP="$(fingerprint)"
FP_FILE="$OUT_DIR/.$MODEL_NAME.fingerprint"
if [[ -z "${FORCE:-}" && -f "$OUT_DIR/$MODEL_NAME.tar.gz" && -f "$FP_FILE" && "$(cat "$FP_FILE")" == "$FP" ]]; then
  echo "model $OUT_DIR/$MODEL_NAME.tar.gz is up to date (fingerprint ${FP:0:12}); skipping training"
  exit 0
fi

echo "validating training data: ${DATA[*]}"
"$RASA_BIN" data validate --data "${DATA[@]}" --domain domain.yml --config config.yml

START=$(date +%s)
"$RASA_BIN" train --data "${DATA[@]}" --domain domain.yml --config config.yml \
  --out "$OUT_DIR" --fixed-model-name "$MODEL_NAME"
END=$(date +%s)
echo "$FP" > "$FP_FILE"
echo "trained $OUT_DIR/$MODEL_NAME.tar.gz in $((END - START)) s"
