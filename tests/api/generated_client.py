"""A client of the bank's API generated from its schema (openapi-python-client), installed
offline in a directory of its own, and the bank's job (tests/api/bank_job.py) run with it in a
process of its own: nothing generated enters the test's process or its environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

BIN = Path(sys.executable).parent
BANK_JOB = Path(__file__).with_name("bank_job.py")
# No post hook: the generator's default ones run ruff on the generated code (slow, and not what
# is being tested). The pdm meta: its build backend (pdm-backend) is pinned in
# requirements/dev.txt, so installing the generated project needs no download.
GENERATOR_CONFIG = "post_hooks: []\n"
META = "pdm"


@dataclass(frozen=True)
class InstalledClient:
    site: Path  # the directory the generated package is installed in (for PYTHONPATH)
    package: str  # its import name, read from what was generated


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    # This interpreter and the venv's tools, on files this test wrote.
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=False, **kwargs
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


def generate_and_install(schema: dict[str, Any], workdir: Path) -> InstalledClient:
    """Generate the client project from `schema`, then install it (no dependency resolution,
    no index, no build isolation) into `workdir/site`."""
    schema_path = workdir / "openapi.json"
    schema_path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    config = workdir / "generator.yaml"
    config.write_text(GENERATOR_CONFIG, encoding="utf-8")
    project = workdir / "client"
    _run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(project),
            "--meta",
            META,
            "--config",
            str(config),
        ]
    )
    packages = [p.name for p in project.iterdir() if (p / "__init__.py").is_file()]
    assert len(packages) == 1, packages
    site = workdir / "site"
    _run(
        [
            str(BIN / "uv"),
            "pip",
            "install",
            "--quiet",
            "--offline",
            "--no-cache",  # nothing shared with another test process, nothing left behind
            "--no-deps",
            "--no-build-isolation",
            "--python",
            sys.executable,
            "--target",
            str(site),
            str(project),
        ]
    )
    assert (site / packages[0] / "__init__.py").is_file(), sorted(p.name for p in site.iterdir())
    return InstalledClient(site=site, package=packages[0])


def base_url(schema: dict[str, Any], server_url: str) -> str:
    """Where the generated client sends its paths: the live server itself when the schema's
    paths carry the /api/v1 prefix, else the schema's first server resolved against it."""
    if all(path.startswith("/api/v1/") for path in schema["paths"]):
        return server_url
    return urljoin(server_url + "/", schema["servers"][0]["url"]).rstrip("/")


def run_bank_job(
    client: InstalledClient, url: str, token: str, today: str, workdir: Path
) -> dict[str, Any]:
    """Run tests/api/bank_job.py with the installed client; its JSON summary."""
    # Neither the test's Django settings nor a proxy (the live server is on this machine).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTHON")) and not key.lower().endswith("_proxy")
    }
    env["PYTHONPATH"] = str(client.site)
    result = _run(
        [sys.executable, "-B", str(BANK_JOB), client.package, url, token, today],
        env=env,
        cwd=workdir,
        timeout=120,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]
