#!/usr/bin/env bash
# Re-pin requirements/base.txt and requirements/dev.txt from pyproject.toml in throw-away environments.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/base" && "$tmp/base/bin/pip" install -q .
python3 -m venv "$tmp/dev" && "$tmp/dev/bin/pip" install -q ".[dev]"
"$tmp/base/bin/pip" freeze --exclude dvc-portal | sort > "$tmp/base.txt"
"$tmp/dev/bin/pip" freeze --exclude dvc-portal | sort > "$tmp/dev.txt"
{ echo "# Runtime dependencies, pinned: the exact set two machines install (regenerate: make lock)."; cat "$tmp/base.txt"; } > requirements/base.txt
{ echo "# Test and development dependencies, pinned, on top of base.txt (regenerate: make lock)."; echo "-r base.txt"; comm -23 "$tmp/dev.txt" "$tmp/base.txt"; } > requirements/dev.txt
echo "requirements/ re-pinned"
