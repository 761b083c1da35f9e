#!/usr/bin/env bash
# Regenerate the lock files from the environments as they are now (after a deliberate upgrade):
#   requirements-app.lock   .venv       pyproject.toml with [dev], Python 3.12
#   requirements-rasa.lock  .venv-rasa  requirements-rasa.txt, Python 3.10
# Each pins exactly the installed versions (anything else the inputs need gets the newest that
# fits), every package with the sha256 of each of its files on the index; scripts/setup.sh
# installs them with `pip install --require-hashes`. Uses uv from a throw-away venv (var/tools).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${TOOLS:-var/tools}
if [ ! -x "$TOOLS/bin/uv" ]; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet uv
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Only what came from the index: a wheel installed by hand from a file is no dependency, and a
# file:// pin in a lock breaks every fresh clone.
.venv/bin/python -m pip freeze --exclude-editable | grep -v ' @ ' > "$tmp/app.txt"
.venv-rasa/bin/python -m pip freeze --exclude-editable | grep -v ' @ ' > "$tmp/rasa.txt"
common=(--generate-hashes --no-header --no-annotate --python-platform x86_64-manylinux_2_28)
"$TOOLS/bin/uv" pip compile pyproject.toml --extra dev -c "$tmp/app.txt" \
  --python-version 3.12 "${common[@]}" -o requirements-app.lock
"$TOOLS/bin/uv" pip compile requirements-rasa.txt -c "$tmp/rasa.txt" \
  --python-version 3.10 "${common[@]}" -o requirements-rasa.lock
# pip-audit asks for CacheControl[filecache]: pip's hash-checking mode counts a dependency's
# extras as a requirement of its own, unpinned as soon as a newer release is on the index, so the
# pin carries the extra (the hashes are the same files).
sed -i 's/^cachecontrol==/cachecontrol[filecache]==/' requirements-app.lock
echo "wrote requirements-app.lock ($(grep -c '==' requirements-app.lock) packages)" \
  "and requirements-rasa.lock ($(grep -c '==' requirements-rasa.lock) packages)"
