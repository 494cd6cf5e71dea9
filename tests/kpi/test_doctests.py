"""The examples in the tieline.kpi docstrings run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["tieline.kpi", "formulas", "revenue", "customers", "surveys"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name if "." in name else f"tieline.kpi.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0 or name == "formulas"
