#!/usr/bin/env bash
# Quick start: create .venv/, install kg into it, build the default corpus into out/.
# Safe to run again; extra arguments go to `kg build` (e.g. --jobs 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/_venv.sh
make_venv
echo "kg: installing into .venv/ (pip install -e .)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
.venv/bin/kg build corpus/ -o out/ "$@"
echo
echo "Open out/graph.html in a browser, or try:"
echo "  .venv/bin/kg query --list"
echo "  .venv/bin/kg query out/ --name claims-by-type"
