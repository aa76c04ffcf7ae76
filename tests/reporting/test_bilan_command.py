"""`microcredit bilan`: the JSON object, the French text, and the bad inputs (exit code 2)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from microcredit.reporting import rules
from microcredit.reporting.management.commands.bilan import Command, bilan_json
from microcredit.reporting.selectors import bilan
from tests.reporting.test_statistics import PERIOD, build

H1 = ["--from", "2026-01-01", "--to", "2026-06-30"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("bilan", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def dataset(saint_etienne, bank, make_user):  # type: ignore[no-untyped-def]
    return build(saint_etienne, bank, make_user)


def test_json_of_one_ccas(dataset) -> None:  # type: ignore[no-untyped-def]
    data: dict[str, Any] = json.loads(run(*H1, "--organisation", "ccas-saint-etienne", "--json"))
    # The figures test_statistics derives by hand.
    assert data["received"] == 16
    assert data["disbursed_count"] == 8
    assert data["disbursed_amount"] == "8849.99"
    assert data["guarantee_calls"] == 2
    assert data["guarantee_calls_amount"] == "1000.00"
    assert data["loss_rate_count_percent"] == "25.00"  # 2 / 8
    assert data["loss_rate_amount_percent"] == "11.30"  # 1000 / 8849.99
    assert data["national_reference_percent"] == "7.02"
    assert data["national_reference_basis"] == "count"
    assert data["period"] == {"start": "2026-01-01", "end": "2026-06-30"}
    assert data["portfolio_as_of"] == "2026-06-30"
    assert data["par30_percent"] == "66.34"
    assert [(s["key"], s["count"]) for s in data["funnel"]] == [
        ("received", 16), ("diagnosis", 14), ("instruction", 12), ("committee", 11),
        ("transmitted", 9), ("granted", 8), ("disbursed", 7),
    ]  # fmt: skip
    assert data["funnel"][0]["conversion_percent"] is None
    assert data["funnel"][3] == {
        "key": "committee",
        "label": "commission",
        "count": 11,
        "conversion_percent": "91.67",
        "median_days": "17.5",
        "delays_measured": 10,
    }
    assert data["purposes"][0] == {
        "key": "mobilite", "label": "Mobilité", "count": 3, "amount": "4150.00",
    }  # fmt: skip
    assert set(data["profiles"]) == {"household_types", "activities", "age_bands", "income_sources"}
    assert data["profiles"]["income_sources"][-1] == {
        "key": "none", "label": "non renseigné", "count": 3, "amount": None,
    }  # fmt: skip
    # Every field of the Bilan is there.
    assert set(data) == {f.name for f in dataclasses.fields(rules.Bilan)}


def test_every_ccas_without_organisation(dataset) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run(*H1, "--json"))
    # Saint-Étienne's and Firminy's: 16 + 1 received, 8 + 1 loans, 8849.99 + 5000 lent, 2 + 1
    # calls (300 + 700 + 4000 outstanding).
    assert (data["received"], data["disbursed_count"], data["guarantee_calls"]) == (17, 9, 3)
    assert data["disbursed_amount"] == "13849.99"
    assert data["loss_rate_count_percent"] == "33.33"  # 3 / 9
    assert data["loss_rate_amount_percent"] == "36.10"  # 5000 / 13849.99 = 0.36101…


def test_text_in_french(dataset) -> None:  # type: ignore[no-untyped-def]
    text = run(*H1, "--organisation", "ccas-saint-etienne")
    assert "Bilan du 01/01/2026 au 30/06/2026 — CCAS de Saint-Étienne" in text
    lines = text.splitlines()
    assert any(line.startswith("  Dossiers reçus") and line.endswith(" 16") for line in lines)
    assert any("Taux de sinistralité (en nombre)" in line and "25,00 %" in line for line in lines)
    assert any("Montant" in line and "8 849,99 €" in line for line in lines)
    assert any(
        "Référence nationale" in line and "7,02 % en nombre de prêts (Caisse des Dépôts" in line
        for line in lines
    )


def test_nine_calls_out_of_192_loans_give_4_69() -> None:
    """The seed's figures: the JSON shows the rule's percent as a string, 2 decimals."""
    figures = bilan(organisation_ids=[], period=PERIOD)
    seed = dataclasses.replace(
        figures,
        disbursed_count=192,
        guarantee_calls=9,
        loss_rate_count_percent=rules.percent(9, 192),
        national_reference_percent=Decimal("7.02"),
    )
    data = bilan_json(seed)
    assert data["loss_rate_count_percent"] == "4.69"
    assert data["national_reference_percent"] == "7.02"
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-06-30"], "« 2026-13-01 » n'est pas une date"),
        (["--from", "01/01/2026", "--to", "2026-06-30"], "« 01/01/2026 » n'est pas une date"),
        (["--from", "2026-07-01", "--to", "2026-06-30"], "précède son début"),
        ([*H1, "--organisation", "ccas-inconnu"], "Aucun CCAS n'a l'identifiant « ccas-inconnu »"),
        ([*H1, "--programme", "inconnu"], "Aucun dispositif n'a l'identifiant « inconnu »"),
    ],
)
def test_bad_input_exits_with_2(  # type: ignore[no-untyped-def]
    args: list[str], message: str, saint_etienne, capsys, monkeypatch
) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("bilan", *args, stdout=StringIO())
    assert message in str(raised.value)
    assert raised.value.returncode == 2
    # From the console: the message on stderr and exit code 2, nothing on stdout. (The console
    # path closes the database connections when it ends: not the test's own, here.)
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["microcredit", "bilan", *args])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_programme_by_slug(dataset) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run(*H1, "--programme", "micro-credit-personnel", "--json"))
    # The scheme belongs to Saint-Étienne: its figures only (not Firminy's).
    assert (data["received"], data["disbursed_count"]) == (16, 8)
    assert data["programme_id"] is not None


# Run from the console in a fresh process: which heavy modules its start imported.
CONSOLE = """
import sys
sys.argv = ["microcredit", "bilan", "--from", "2026-13-01", "--to", "2026-12-31"]
from microcredit.cli import main
try:
    main()
except SystemExit as exit:
    print(exit.code)
print(" ".join(m for m in ("config.urls", "openpyxl", "pygal", "numpy") if m in sys.modules))
"""


def test_the_console_start_imports_neither_the_urls_nor_the_exports_libraries() -> None:
    """No system check (they import the whole URLconf: the API, the exports with openpyxl and
    numpy, the charts with pygal), no heavy library on the command's path."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", CONSOLE], capture_output=True, text=True, env=env, check=True
    )
    code, imported = [*done.stdout.splitlines(), ""][:2]
    assert "n'est pas une date" in done.stderr
    assert code == "2"
    assert imported == ""
