"""`microcredit simulate`: the JSON contract, the French table and the refusals (exit code 2).

Expected figures are derived by hand from docs/LOAN_CONVENTIONS.md, not read from the engine:

* first interest of 3 000 € at 1.75 %: 3000 × 0.0175 / 12 = 4.375 → 4.38 (half-up);
* installment: A = P·i / (1 − (1+i)^−n), i = 0.0175/12 = 0.00145833…, n = 36:
  (1+i)^36 = 1.0538623, (1+i)^−36 = 0.9488906, 1 − 0.9488906 = 0.0511094,
  P·i = 4.375, A = 4.375 / 0.0511094 = 85.6007 → 85.60;
* TAEG: (1 + 0.0175/12)^12 − 1 = 1.7641 % → 1.76 (no fees; rounding the installment to the cent
  moves it by far less than 0.005 point).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from microcredit.simulator.management.commands.simulate import Command

ROOT = Path(__file__).resolve().parents[2]
AMOUNT = re.compile(r"^\d+\.\d{2}$")
NNBSP = "\u202f"


def simulate_json(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("simulate", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def simulate_table(*args: str) -> str:
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


# The engine's figures, without the database (outside the scheme: no bounds to read).
BASE = (
    "--amount",
    "3000",
    "--months",
    "36",
    "--rate",
    "1.75",
    "--start",
    "2026-01-31",
    "--hors-dispositif",
)


class TestJson:
    def test_keys_and_string_amounts_with_two_decimals(self) -> None:
        data = simulate_json(*BASE)
        assert set(data) == {"installment", "apr", "total_interest", "total_due", "rows"}
        for key in ("installment", "total_interest", "total_due"):
            assert isinstance(data[key], str)
            assert AMOUNT.match(data[key]), data[key]
        assert len(data["rows"]) == 36
        for row in data["rows"]:
            assert set(row) == {"number", "due_date", "payment", "interest", "principal", "balance"}
            for key in ("payment", "interest", "principal", "balance"):
                assert AMOUNT.match(row[key]), (row["number"], key, row[key])

    def test_hand_derived_figures(self) -> None:
        data = simulate_json(*BASE)
        assert data["rows"][0]["interest"] == "4.38"
        assert data["installment"] == "85.60"
        assert data["apr"] == "1.76"

    def test_totals_reconcile(self) -> None:
        data = simulate_json(*BASE)
        principals = sum(Decimal(r["principal"]) for r in data["rows"])
        assert principals == Decimal("3000.00")
        assert Decimal(data["total_due"]) == Decimal("3000.00") + Decimal(data["total_interest"])
        assert Decimal(data["total_due"]) == sum(Decimal(r["payment"]) for r in data["rows"])
        assert data["rows"][-1]["balance"] == "0.00"

    def test_due_dates_are_iso_and_clamped_to_month_end(self) -> None:
        dates = [r["due_date"] for r in simulate_json(*BASE)["rows"][:3]]
        assert dates == ["2026-02-28", "2026-03-31", "2026-04-30"]

    def test_interest_only_deferral_rows_are_included_and_numbered(self) -> None:
        data = simulate_json(*BASE, "--deferral-months", "6", "--deferral-kind", "interest-only")
        rows = data["rows"]
        assert [r["number"] for r in rows] == list(range(1, 43))
        for row in rows[:6]:
            assert row["payment"] == row["interest"] == "4.38"
            assert row["principal"] == "0.00"
            assert row["balance"] == "3000.00"
        assert data["installment"] == "85.60"  # the same 3 000 € amortised over 36 months

    def test_capitalised_deferral_grows_the_balance(self) -> None:
        rows = simulate_json(*BASE, "--deferral-months", "2", "--deferral-kind", "capitalised")[
            "rows"
        ]
        assert [(r["payment"], r["balance"]) for r in rows[:2]] == [
            ("0.00", "3004.38"),  # 3000 + 4.375 → 4.38
            ("0.00", "3008.76"),  # 3004.38 × 0.0175 / 12 = 4.3814 → 4.38
        ]
        assert sum(Decimal(r["principal"]) for r in rows) == Decimal("3008.76")

    def test_zero_rate(self) -> None:
        data = simulate_json("--amount", "300", "--months", "3", "--rate", "0", "--hors-dispositif")
        assert [r["payment"] for r in data["rows"]] == ["100.00"] * 3
        assert data["apr"] == "0.00"

    def test_outside_the_scheme_only_the_engine_limits_apply(self) -> None:
        data = simulate_json(
            "--amount", "50000", "--months", "120", "--rate", "3", "--hors-dispositif"
        )
        assert len(data["rows"]) == 120

    @pytest.mark.django_db
    def test_default_rate_is_the_public_scheme_rate(self) -> None:
        data = simulate_json("--amount", "3000", "--months", "36")
        assert data["installment"] == "85.60"


class TestTable:
    def test_french_table_and_totals(self) -> None:
        text = simulate_table(*BASE)
        header = text.splitlines()[0]
        for column in ("N°", "Échéance", "Mensualité", "Intérêts", "Capital", "Capital restant dû"):
            assert column in header
        first = text.splitlines()[2].split()
        assert first[:3] == ["1", "28/02/2026", "85,60"]
        assert "4,38" in first
        assert f"2{NNBSP}918,78" in text
        assert "Mensualité : 85,60\u00a0€" in text
        assert "TAEG : 1,76\u00a0%" in text
        assert "Coût total des intérêts :" in text
        assert "Montant total dû :" in text

    def test_deferral_rows_are_marked(self) -> None:
        text = simulate_table(*BASE, "--deferral-months", "1", "--deferral-kind", "capitalised")
        assert "(différé)" in text.splitlines()[2]
        assert "Différé : 1 mois, total (intérêts capitalisés)" in text


INVALID = [
    (["--amount", "abc", "--months", "12"], "n'est pas un nombre"),
    (["--amount", "0", "--months", "12"], "strictement positif"),
    (["--amount", "-5", "--months", "12"], "strictement positif"),
    (["--amount", "100.001", "--months", "12"], "deux décimales"),
    (["--amount", "1000", "--months", "0"], "au moins 1 mois"),
    (["--amount", "1000", "--months", "douze"], "nombre entier"),
    (["--amount", "1000", "--months", "12", "--rate", "-1"], "ne peut pas être négatif"),
    (["--amount", "1000", "--months", "12", "--rate", "100"], "compris entre 0 %"),
    (["--amount", "1000", "--months", "12", "--deferral-kind", "capitalised"], "sans durée"),
    (["--amount", "1000", "--months", "12", "--deferral-months", "3"], "préciser le type"),
    (
        ["--amount", "1000", "--months", "12", "--deferral-months", "3", "--deferral-kind", "x"],
        "Type de différé inconnu",
    ),
    (["--amount", "1000", "--months", "12", "--start", "2026-02-30"], "Date de décaissement"),
    (["--months", "12"], "option obligatoire manquante : --amount"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), INVALID)
def test_invalid_input_is_refused_in_french_with_code_2(args: list[str], message: str) -> None:
    rate = [] if "--rate" in args else ["--rate", "1.75"]  # no database needed
    with pytest.raises(CommandError) as excinfo:
        call_command("simulate", *args, *rate, stdout=StringIO())
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)


CONSOLE_SCRIPT = Path(sys.executable).with_name("microcredit")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The `microcredit` console script, in a fresh process (its module if not installed)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = (
        [str(CONSOLE_SCRIPT)]
        if CONSOLE_SCRIPT.exists()
        else [sys.executable, "-m", "microcredit.cli"]
    )
    return subprocess.run(  # noqa: S603 - fixed command, test arguments
        [*command, "simulate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_prints_one_json_object() -> None:
    result = run_cli(*BASE, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["installment"] == "85.60"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--amount", "trois mille", "--months", "36"], "Montant invalide"),
        (["--amount", "3000", "--months", "36", "--deferral-kind", "capitalised"], "sans durée"),
        (["--months", "36"], "option obligatoire manquante : --amount"),
        (["--amount", "3000", "--months", "36", "--rate"], "l'option --rate attend une valeur"),
        (["--amount", "3000", "--months", "36", "--bogus"], "option inconnue : --bogus"),
    ],
)
def test_cli_errors_exit_2_with_a_french_message(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Erreur : ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "CommandError" not in result.stderr


class TestSchemeBounds:
    """By default the loan must fit the scheme in force (Saint-Étienne: 300–3 000 €, 3–36 months,
    a deferral of 12 months at most), as on the public simulator."""

    OUTSIDE = [
        (["--amount", "299.99", "--months", "36"], "Le montant doit être compris entre 300,00"),
        (["--amount", "3000", "--months", "37"], "entre 3 et 36 mois"),
        (
            [
                "--amount",
                "3000",
                "--months",
                "36",
                "--deferral-months",
                "13",
                "--deferral-kind",
                "interest-only",
            ],
            "Le différé ne peut pas dépasser 12 mois.",
        ),
    ]

    @pytest.mark.django_db
    @pytest.mark.parametrize(("args", "message"), OUTSIDE)
    def test_outside_the_scheme_is_refused_with_code_2(self, args: list[str], message: str) -> None:
        with pytest.raises(CommandError) as excinfo:
            call_command("simulate", *args, stdout=StringIO())
        assert excinfo.value.returncode == 2
        assert message in str(excinfo.value)
        assert "--hors-dispositif" in str(excinfo.value)

    @pytest.mark.django_db
    @pytest.mark.parametrize(("args", "message"), OUTSIDE)
    def test_the_option_allows_a_loan_outside_the_scheme(
        self, args: list[str], message: str
    ) -> None:
        assert simulate_json(*args, "--hors-dispositif")["rows"]

    @pytest.mark.django_db
    def test_the_bounds_themselves_are_accepted(self) -> None:
        assert len(simulate_json("--amount", "300", "--months", "3")["rows"]) == 3
        data = simulate_json(
            "--amount",
            "3000",
            "--months",
            "36",
            "--deferral-months",
            "12",
            "--deferral-kind",
            "capitalised",
        )
        assert len(data["rows"]) == 48

    @pytest.mark.django_db
    def test_no_scheme_in_force_is_refused_unless_outside_the_scheme(self) -> None:
        with pytest.raises(CommandError) as excinfo:
            call_command("simulate", "--amount", "1000", "--months", "12", "--start", "2000-01-01")
        assert "Aucun dispositif n'est en vigueur le 01/01/2000" in str(excinfo.value)
        data = simulate_json(
            "--amount", "1000", "--months", "12", "--start", "2000-01-01", "--hors-dispositif"
        )
        assert len(data["rows"]) == 12


def test_cli_help_is_french_and_exits_0() -> None:
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("utilisation : microcredit simulate")
    assert "taux nominal annuel en % (1.75)" in result.stdout
    assert "--hors-dispositif" in result.stdout
    assert "affiche cette aide et s'arrête" in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), TestSchemeBounds.OUTSIDE)
def test_command_line_outside_the_scheme_exits_2_with_a_french_message(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command-line path (`run_from_argv`, as the `microcredit` script calls it), in this
    process: a fresh process would have no database holding the scheme. Django closes every
    connection when a command-line run ends; the test's own connection is kept open."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as excinfo:
        Command().run_from_argv(["microcredit", "simulate", *args])
    assert excinfo.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Erreur : ")
    assert message in err
    assert "Pour le simuler quand même : --hors-dispositif." in err
    assert "Traceback" not in err


def test_cli_without_a_scheme_in_force_exits_2() -> None:
    result = run_cli("--amount", "3000", "--months", "36")  # the test settings' empty database
    assert result.returncode == 2
    assert result.stderr.startswith("Erreur : Aucun dispositif n'est en vigueur le ")
    assert "--hors-dispositif" in result.stderr
