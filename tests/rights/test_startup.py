"""The web process starts without OpenFisca-France: setting Django up, importing every URL
(so every view, service and task module) and the WSGI application load neither
``openfisca_france`` nor ``openfisca_core``. Its start time is measured in bench/rights."""

from __future__ import annotations

import os
import subprocess
import sys
import time

STARTUP = (
    "import os, sys\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.test'\n"
    "import django\n"
    "django.setup()\n"
    "import config.urls\n"
    "import config.wsgi\n"
    "from django.urls import get_resolver\n"
    "get_resolver().url_patterns\n"
    "prefixes = ('openfisca_france', 'openfisca_core')\n"
    "loaded = sorted(m for m in sys.modules if m.startswith(prefixes))\n"
    "print('openfisca modules:', loaded)\n"
    "assert not loaded, loaded\n"
)


def test_the_web_process_starts_without_openfisca() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", STARTUP], capture_output=True, text=True, env=env, check=False
    )
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert "openfisca modules: []" in done.stdout
    print(f"web process start: {seconds:.2f} s")  # noqa: T201  (measured in bench/rights)
