#!/usr/bin/env bash
# Install check for every hash lock, run by .ci/run before the tests.
#
# Each lock is resolved in a fresh `python3.11 -m venv` with the pip that venv brings (pip 23.2.1
# on Python 3.11), exactly as the README installs it. When the registry has moved and pip can no
# longer match a requirement to a hashed pin (for example a pin that lost the extra a package asks
# for), this fails with pip's own message. `--dry-run` resolves, downloads and checks every hash,
# and installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3.11 -m venv "$venv"
echo "lock check with $("$venv/bin/pip" --version)"

locks=("$@")
[ ${#locks[@]} -gt 0 ] || locks=(requirements.txt requirements-dask.txt requirements-dev.txt)
status=0
for file in "${locks[@]}"; do
  if "$venv/bin/pip" install --dry-run --quiet --require-hashes -r "$file" > "$venv/log" 2>&1; then
    echo "lock check: $file installs"
  else
    grep -v "is ignored: it is neither a file nor a directory" "$venv/log" >&2 || true
    echo "lock check: $file does NOT install with $("$venv/bin/pip" --version | cut -d' ' -f1-2)" >&2
    status=1
  fi
done
exit $status
