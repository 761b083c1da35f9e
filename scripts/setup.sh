#!/usr/bin/env bash
# Set up everything the hotline needs, from nothing, idempotently; say what is being done.
#   .venv       app environment (Python >= 3.11; 3.12 preferred)
#   .venv-rasa  Rasa environment (Python 3.10, rasa 3.6.21): trains and serves the NLU model
#   PostgreSQL server binaries (Debian package) for the PostgreSQL half of the test suite
#   var/        the embedded SQLite database, migrated to the latest schema; var/secrets.env
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

find_python() {  # find_python 3.12 -> path of an interpreter of that minor version, or nothing
  local want=$1 root
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for candidate in "$root"/versions/"$want".*/bin/python"$want" "$(command -v python"$want" || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

stamp_ok() {  # stamp_ok NAME FILES... -> true when FILES are unchanged since the last success
  local name=$1; shift
  [ -f "$ROOT/var/.stamp-$name" ] && [ "$(cat "$@" | sha256sum)" = "$(cat "$ROOT/var/.stamp-$name")" ]
}
stamp_write() { local name=$1; shift; mkdir -p "$ROOT/var"; cat "$@" | sha256sum > "$ROOT/var/.stamp-$name"; }

# --- app environment ---------------------------------------------------------------------
APP_PY=$(find_python 3.12 || find_python 3.11 || true)
[ -n "$APP_PY" ] || { echo "setup: need Python 3.12 or 3.11 (pyenv or python3.12 on PATH)" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $APP_PY"
  "$APP_PY" -m venv .venv
fi
if ! stamp_ok app pyproject.toml requirements-app.lock || [ ! -x .venv/bin/hotline ]; then
  say "installing the app environment (.venv) from requirements-app.lock (pinned, hashes checked)"
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements-app.lock
  .venv/bin/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=compat
  # A dependency added to pyproject.toml but not locked would be missing: say so, do not guess.
  .venv/bin/python -m pip check >/dev/null || {
    .venv/bin/python -m pip check >&2
    echo "setup: requirements-app.lock is out of step with pyproject.toml; run scripts/lock.sh" >&2
    exit 1
  }
  stamp_write app pyproject.toml requirements-app.lock
else
  say ".venv is up to date"
fi

# --- Rasa environment --------------------------------------------------------------------
RASA_PY=$(find_python 3.10 || true)
[ -n "$RASA_PY" ] || { echo "setup: need Python 3.10 for Rasa 3.6 (pyenv install 3.10)" >&2; exit 1; }
if [ ! -x .venv-rasa/bin/python ]; then
  say "creating .venv-rasa with $RASA_PY"
  "$RASA_PY" -m venv .venv-rasa
fi
if ! stamp_ok rasa requirements-rasa.lock || [ ! -x .venv-rasa/bin/rasa ]; then
  say "installing the Rasa environment (.venv-rasa) from requirements-rasa.lock: rasa 3.6.21 with TensorFlow, about two minutes"
  .venv-rasa/bin/python -m pip install --quiet --upgrade pip
  .venv-rasa/bin/python -m pip install --quiet --require-hashes -r requirements-rasa.lock
  stamp_write rasa requirements-rasa.lock
else
  say ".venv-rasa is up to date"
fi

# --- system packages ---------------------------------------------------------------------
need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# A CJK font so report charts render Chinese labels (no tofu boxes).
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
# Redis: Rasa's lock store when several Rasa replicas share conversations (the multi-replica
# test starts and stops its own server, as it does PostgreSQL).
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # web browser tests (headless)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    say "WARNING: missing ${need_apt[*]} and cannot apt-get install (not root); PostgreSQL tests will not run"
  fi
fi

# --- NLU model ----------------------------------------------------------------------------
if [ -x scripts/train_nlu.sh ] && [ -f config.yml ]; then
  scripts/train_nlu.sh
fi

# --- credentials -------------------------------------------------------------------------
# Tokens for Rasa's HTTP API, its chat channel and the action server: var/secrets.env, 0600.
say "credentials: $(.venv/bin/python -m hotline.credentials) (created if missing, mode 0600)"

# --- database ----------------------------------------------------------------------------
say "migrating the database"
.venv/bin/hotline db upgrade
say "done"
