"""The apps depend one way (docs/architecture.md): every import contract holds, none excused."""

import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def test_the_layer_order_is_a_contract_without_exceptions():
    contracts = {contract["id"]: contract for contract in _contracts()}
    assert "layers" in contracts
    assert all("ignore_imports" not in contract for contract in contracts.values())


def test_every_import_contract_holds():
    # In its own process: import-linter sets up logging as it starts, which silenced this
    # process's loggers for the tests that ran after it on the same worker.
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [linter, "--config", PYPROJECT, "--no-cache"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
