"""The hand-written stubs match the compiled module (mypy.stubtest), and the package
type-checks against them."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")


def test_stubtest() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "gridserve._gridserve"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_type_checks() -> None:
    package = Path(__file__).parents[1] / "python" / "gridserve"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", str(package)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
