#!/usr/bin/env bash
# Re-lock the requirements: every pin exact, hashed, and every extra a package asks for kept
# (pip 23.2.1, the pip that `python3.11 -m venv` brings, only matches a request such as
# `smart-open[http]>=5.2.1` to a pin that carries the same extra).
#
#   scripts/lock.sh            keep the current pins, add what the .in files newly ask for
#   scripts/lock.sh --upgrade  move every pin to the newest release
#
# pip-tools runs from a throwaway venv; the project never imports it.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3.11 -m venv "$tools"
"$tools/bin/pip" install -q pip-tools==7.6.2

compile() {
  CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "$tools/bin/pip-compile" -q \
    --generate-hashes --allow-unsafe --no-strip-extras \
    --no-emit-index-url --no-emit-find-links "$@"
}

# Order matters: each lock is constrained by the ones before it.
compile "$@" requirements.in
compile "$@" requirements-dask.in
compile "$@" requirements-dev.in
