"""The address e-mail links point to comes from the environment, and `make run` gives its port."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _site_url(settings_module: str, site_url: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    if site_url is not None:
        env["SITE_URL"] = site_url
    code = "from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(  # noqa: S603 - fixed command, test arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@pytest.mark.parametrize("settings_module", ["config.settings.dev", "config.settings.test"])
def test_site_url_comes_from_the_environment(settings_module):
    assert _site_url(settings_module, "http://127.0.0.1:8101") == "http://127.0.0.1:8101"


def test_site_url_defaults_to_the_development_server():
    assert _site_url("config.settings.dev", None) == "http://127.0.0.1:8000"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_its_port_to_the_links():
    make = shutil.which("make")
    assert make is not None
    dry_run = subprocess.run(  # noqa: S603 - fixed command
        [make, "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    server = next(line for line in dry_run.splitlines() if " runserver " in line)
    demo = next(line for line in dry_run.splitlines() if " load_demo" in line)
    assert server.startswith("SITE_URL=http://127.0.0.1:8101 ")
    assert demo.startswith("SITE_URL=http://127.0.0.1:8101 ")
