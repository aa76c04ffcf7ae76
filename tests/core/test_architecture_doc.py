"""docs/architecture.md draws the layers that import-linter enforces, in the same order."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    between = [c for c in contracts if c["name"].startswith("Between the apps")]
    assert len(between) == 1
    return [layer.removeprefix("microcredit.") for layer in between[0]["layers"]]


def _drawn_layers() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Les étages, du haut vers le bas", 1)[1].split("```")[1]
    return [m.group(1) for m in re.finditer(r"^([a-z_]+)\s", block, re.MULTILINE)]


def test_the_drawing_is_the_contract() -> None:
    assert _drawn_layers() == _contract_layers()


def test_every_app_has_its_floor() -> None:
    apps = sorted(
        p.name
        for p in (ROOT / "microcredit").iterdir()
        if (p / "__init__.py").exists() and (p / "apps.py").exists()
    )
    assert sorted(_contract_layers()) == apps
