# Shared by the setup scripts (sourced, not run): make sure .venv/ exists in the
# repository root and has a working pip.  Environment setup only; kg's logic
# lives in the package.

make_venv() {
  if [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  if ! python3 -m venv --clear .venv >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv's pip bootstrap separately (python3-venv).
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "kg: python3 -m venv failed; installing python3-venv with apt-get" >&2
      ver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${ver}-venv" >/dev/null \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv --clear .venv
    else
      echo "kg: 'python3 -m venv .venv' failed. On Debian/Ubuntu install python3-venv first:" >&2
      echo "      sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
}
