#!/usr/bin/env bash
# Create .venv/, install kg with its test extras, run the whole test suite.
# Safe to run again; extra arguments go to pytest (e.g. -k corpus, -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/_venv.sh
make_venv
echo "kg: installing into .venv/ (pip install -e '.[test]')"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
