"""The apps depend one way (docs/architecture.md): every import contract holds, none excused."""

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def test_the_layer_order_is_a_contract_without_exceptions():
    contracts = {contract["id"]: contract for contract in _contracts()}
    assert "layers" in contracts
    assert all("ignore_imports" not in contract for contract in contracts.values())


def test_every_import_contract_holds():
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0
