"""The deployment files (deploy/) as the machines will read them. Docker and systemd are not
available here: the units are parsed as INI files, compose.yaml as YAML, the Dockerfile line by
line, and every command they name must exist (a real management command, granian's options, the
WSGI module), every environment variable they set must be read by someone (the settings,
granian, the PostgreSQL image), and docs/operations.md must name the same files and commands."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from django.core.management import get_commands

from microcredit.servicing.schedule import REPEATING, SCHEDULE
from tests.ops.deploy_files import (
    DEPLOY,
    INSTALL_DIR,
    ROOT,
    UNITS,
    compose,
    environment_example,
    unit,
    unit_command,
)

BIN = Path(sys.executable).parent
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
SETTINGS_SOURCES = [*sorted((ROOT / "config" / "settings").glob("*.py"))]
SETTINGS_SOURCES.append(ROOT / "microcredit" / "core" / "logging.py")
APPLICATION_SERVICES = ("migrate", "web", "worker", "scheduler")


@cache
def granian_help() -> str:
    return subprocess.run(  # noqa: S603
        [str(BIN / "granian"), "--help"], capture_output=True, text=True, check=True
    ).stdout


@cache
def variables_read_by_the_settings() -> frozenset[str]:
    text = "\n".join(path.read_text(encoding="utf-8") for path in SETTINGS_SOURCES)
    found = re.findall(r"""(?:environ\.get\(|environ\[|environ, )\s*"([A-Z][A-Z0-9_]*)\"""", text)
    found += re.findall(r"""environ\.get\(\s*"([A-Z][A-Z0-9_]*)\"""", text)
    return frozenset(found)


def variable_is_read(name: str, *, service: str = "") -> bool:
    if name in variables_read_by_the_settings() or name == "DJANGO_SETTINGS_MODULE":
        return True
    if name.startswith("GRANIAN_"):
        return f"[env var: {name};" in granian_help().replace("\n", " ").replace("  ", "")
    # The official PostgreSQL image creates its database and user from these.
    return service == "db" and name in {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}


def assert_command_exists(command: list[str]) -> None:
    """`microcredit <command>`: a management command of the project or of an installed app;
    `granian …`: known options and an importable WSGI application."""
    program = Path(command[0]).name
    if program == "microcredit":
        assert command[1] in get_commands(), command
    elif program == "granian":
        options = [part.split("=")[0] for part in command[1:] if part.startswith("--")]
        for option in options:
            assert re.search(rf"\s{re.escape(option)}[\s/,]", granian_help()), option
        target = command[-1]
        module, _, attribute = target.partition(":")
        assert command[command.index("--interface") + 1] == "wsgi"
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        assert re.search(rf"^{attribute} = ", Path(spec.origin).read_text(), re.MULTILINE)
    else:
        pytest.fail(f"unknown program {command}")
    assert (BIN / program).exists(), program


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_runs_a_real_command_as_documented(name: str) -> None:
    parsed = unit(name)
    assert set(parsed.sections()) == {"Unit", "Service", "Install"}
    service = parsed["Service"]
    assert service["User"] == service["Group"] == "microcredit"
    assert service["WorkingDirectory"] == INSTALL_DIR
    assert service["EnvironmentFile"] == "/etc/microcredit/environnement"
    assert service["Environment"] == "DJANGO_SETTINGS_MODULE=config.settings.prod"
    assert service["ReadWritePaths"] == f"{INSTALL_DIR}/var"
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    command = unit_command(name)
    assert command[0].startswith(f"{INSTALL_DIR}/.venv/bin/")
    assert_command_exists(command)
    # The documentation gives the same file and the same command.
    assert f"deploy/{name}" in OPERATIONS
    assert service["ExecStart"] in OPERATIONS, service["ExecStart"]


def test_the_units_are_the_three_processes() -> None:
    commands = {name: unit_command(name)[1:] for name in UNITS}
    assert commands["microcredit-worker.service"] == ["db_worker"]
    assert commands["microcredit-scheduler.service"] == ["scheduler"]
    assert commands["microcredit-web.service"][-1] == "config.wsgi:application"
    assert sorted(path.name for path in DEPLOY.glob("*.service")) == sorted(UNITS)


def test_compose_runs_postgresql_and_the_same_commands_as_the_units() -> None:
    loaded = compose()
    services = loaded["services"]
    assert set(services) == {"db", *APPLICATION_SERVICES}
    assert services["db"]["image"].startswith("postgres:")
    web_unit = unit_command("microcredit-web.service")
    assert services["web"]["command"] == [Path(web_unit[0]).name, *web_unit[1:]]
    assert services["worker"]["command"] == ["microcredit", "db_worker"]
    assert services["scheduler"]["command"] == ["microcredit", "scheduler"]
    assert services["migrate"]["command"][:2] == ["microcredit", "migrate"]
    for name in APPLICATION_SERVICES:
        service = services[name]
        assert_command_exists(service["command"])
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        assert service["env_file"] == ["environnement"]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
        assert service["environment"]["DATABASE_URL"].endswith("@db:5432/microcredit")
        assert "uploads:/srv/microcredit/var/uploads" in service["volumes"]
        for dependency in service["depends_on"]:
            assert dependency in services
    # The application waits for the migration, which waits for PostgreSQL.
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert set(loaded["volumes"]) == {"pgdata", "uploads"}
    assert services["web"]["environment"]["GRANIAN_HOST"] == "0.0.0.0"  # noqa: S104
    healthcheck = services["web"]["healthcheck"]["test"]
    assert healthcheck[-1] == f"{INSTALL_DIR}/deploy/healthcheck.py"
    assert (DEPLOY / "healthcheck.py").is_file()


def test_every_variable_the_files_set_is_read() -> None:
    for name in environment_example(options=True):
        assert variable_is_read(name), f"deploy/environnement.exemple: {name}"
    for service_name, service in compose()["services"].items():
        for name in service.get("environment", {}):
            assert variable_is_read(name, service=service_name), f"compose {service_name}: {name}"
    for name in UNITS:
        variable = unit(name)["Service"]["Environment"].split("=")[0]
        assert variable_is_read(variable), f"{name}: {variable}"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for name in re.findall(r"^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=\S+ ?\\?$", dockerfile, re.M):
        assert name.startswith("PYTHON") or variable_is_read(name), f"Dockerfile: {name}"


def test_the_example_sets_every_variable_production_requires() -> None:
    prod = (ROOT / "config" / "settings" / "prod.py").read_text(encoding="utf-8")
    required = set(re.findall(r"""os\.environ\["([A-Z_]+)"\]""", prod))
    assert required == {"SECRET_KEY"}
    assert required <= set(environment_example())
    # No secret in the example: the key is to be generated.
    assert environment_example()["SECRET_KEY"] == ""


def test_the_dockerfile_commands_and_files_exist() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in dockerfile.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "COPY" and not any(w.startswith("--from") for w in words):
            for source in words[1:-1]:
                assert (ROOT / source).exists(), source
        if words[0] == "RUN":
            for match in re.finditer(r"(?<![\w:/-])microcredit ([a-z_]+)", line):
                assert match.group(1) in get_commands(), match.group(1)
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None
    assert eval(cmd.group(1)) == compose()["services"]["web"]["command"]  # noqa: S307
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    assert "!microcredit/" in ignored and ".venv" not in ignored.replace("*", "")


def test_operations_names_the_files_and_the_calendar() -> None:
    for path in (
        "deploy/compose.yaml",
        "deploy/Dockerfile",
        "deploy/environnement.exemple",
        "/etc/microcredit/environnement",
        "docs/adr/0012-serveur-de-production.md",
    ):
        assert path in OPERATIONS, path
    for job in (*SCHEDULE, *REPEATING):
        assert re.search(rf"`microcredit {job.command}[ `]", OPERATIONS), job.command
    assert "microcredit collectstatic" in OPERATIONS
    assert "/healthz" in OPERATIONS


def test_check_deploy_with_the_documented_environment_only_warns_about_hsts_preload() -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        **environment_example(),
        "DJANGO_SETTINGS_MODULE": unit(UNITS[0])["Service"]["Environment"].split("=")[1],
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    result = subprocess.run(  # noqa: S603
        [str(BIN / "microcredit"), "check", "--deploy"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    issues = re.findall(r"\(([a-z_.]+\.[A-Z]\d+)\)", output)
    assert issues == ["security.W021"], output
    assert "System check identified 1 issue" in output
