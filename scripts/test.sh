#!/usr/bin/env bash
# Runs every test of the project:
#   1. the Rust workspace (unit, integration, property and doc tests);
#   2. the Python package, built and installed into a virtual environment this script creates
#      (.venv, reused on later runs), with its test dependencies from PyPI, then pytest
#      (including the stub check and the comparisons with pandapower on its bundled networks).
# The Rust tests and the extension both build in the `dev` profile, so the extension reuses
# every dependency the Rust tests compiled (only pyo3's crates, the messengers crate without its
# HTTP feature and the bindings build again);
# an optimised profile would compile them all a second time, which costs more than the Python
# suite gains from the optimisation. GRIDSERVE_TEST_PROFILE picks another profile for the
# extension (`ci`: light optimisation; `release`: the extension exactly as `pip install`
# builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${GRIDSERVE_TEST_PROFILE:-dev}

cargo test --workspace

python=${PYTHON:-python3}
venv=${GRIDSERVE_VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
MATURIN_PEP517_ARGS="--profile $profile" "$venv/bin/python" -m pip install --quiet "./bindings/python[test]"
"$venv/bin/python" -m pytest bindings/python/tests -q
