"""Readers of the deployment files (deploy/), shared by the tests of tests/ops."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("microcredit-web.service", "microcredit-worker.service", "microcredit-scheduler.service")
INSTALL_DIR = "/srv/microcredit"
_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def unit(name: str) -> configparser.ConfigParser:
    """A systemd unit file, read as the INI file it is (keys keep their case)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def unit_command(name: str) -> list[str]:
    """The ExecStart of a unit, split as systemd does (no shell)."""
    return shlex.split(unit(name)["Service"]["ExecStart"])


def environment_example(*, options: bool = False) -> dict[str, str]:
    """deploy/environnement.exemple's variables; with `options`, the commented « # NAME=… » too."""
    variables: dict[str, str] = {}
    for line in (DEPLOY / "environnement.exemple").read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match and (options or not line.startswith("#")):
            variables[match.group(1)] = match.group(2)
    return variables


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded
