#!/usr/bin/env bash
# Create .venv/, install kg with its test extras, run the whole test suite.
# Safe to run again; extra arguments go to pytest (e.g. -k corpus, -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/_venv.sh
make_venv
echo "kg: installing into .venv/ (pip install -e '.[test]')"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# The browser tests drive Debian's Chromium; as root, install it when it is missing
# (elsewhere those tests skip and say why).
if ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 \
    && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "kg: installing chromium and chromium-driver with apt-get (for the browser tests)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
    || echo "kg: could not install chromium; the browser tests will be skipped" >&2
fi
# The remote-endpoint tests start a local Virtuoso; as root, install it when it is
# missing (elsewhere those tests skip and say why).
if ! command -v virtuoso-t >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "kg: installing virtuoso-opensource with apt-get (for the remote-endpoint tests)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; } \
    || echo "kg: could not install virtuoso-opensource; the remote-endpoint tests will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
