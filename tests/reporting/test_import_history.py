"""A scheme's history imported (issue #16, point 4): a good CSV and a good XLSX create what
docs/import_history.md says; the same file twice doubles nothing; one bad cell imports nothing
and names its line and column; the director's page previews then confirms, only for the
director's own organisation."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.enums import LoanState, RecordedVia
from microcredit.loans.models import Loan, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.reporting import history_rules as rules
from microcredit.reporting.history import history_check
from microcredit.reporting.services import HistoryRefused, history_import
from microcredit.servicing.enums import ClaimState
from microcredit.servicing.models import ArrearsSnapshot, GuaranteeClaim
from microcredit.servicing.services.arrears import arrears_run
from tests.programmes.onboarding_helpers import onboard_firminy

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
HEADER = [*rules.COLUMN_NAMES, "commentaire"]
ROWS = [
    # numero, accueil, naissance, commune, foyer, activite, categorie, demande, duree, issue,
    # décaissement, prêté, durée, taux, état, appel, capital
    ["2015-001", "12/03/2015", "04/11/1978", "42218", "famille_monoparentale", "precarious",
     "mobilite", "2500", "36", "decaisse", "20/04/2015", "2500,00", "36", "1,75", "en_cours", "",
     "", "à suivre"],
    ["2015-002", "2015-05-02", "1990-01-20", "42218", "", "demandeur·se d'emploi", "Logement",
     "1200,00", "24", "refus_commission", "", "", "", "", "", "", "", ""],
    ["2015-003", "01/06/2015", "15/07/1965", "42218", "personne_seule", "", "Mobilité", "3000",
     "48", "decaisse", "01/07/2015", "3000.00", "48", "1.75", "garantie_appelee", "15/09/2016",
     "2105,40", ""],
    ["2015-004", "03/06/2015", "01/01/1980", "42218", "couple_avec_enfants", "retired",
     "logement", "", "", "decaisse", "10/07/2015", "1000", "12", "0", "rembourse", "", "", ""],
    ["2015-005", "04/06/2015", "02/02/1985", "42218", "", "", "mobilite", "", "", "abandon", "",
     "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture(autouse=True)
def on_the_import_day() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def director(make_user) -> User:  # type: ignore[no-untyped-def]
    user: User = make_user(Role.DIRECTOR)
    return user


@pytest.fixture
def programme(saint_etienne: Organisation) -> Programme:
    return Programme.objects.filter(organisation=saint_etienne).order_by("id").first()  # type: ignore[return-value]


def csv_bytes(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        # As a spreadsheet holds them: dates as dates, amounts and months as numbers.
        cells: list[object] = []
        for name, value in zip(HEADER, row, strict=True):
            parsed = rules.parse_date(value) if name.startswith("date") else None
            if parsed is not None:
                cells.append(parsed)
            elif name in {"montant_prete", "duree_mois", "montant_demande"} and value:
                cells.append(float(value.replace(",", ".")))
            else:
                cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(director: User, programme: Programme, content: bytes, dry_run: bool = False):  # type: ignore[no-untyped-def]
    return history_import(
        actor=director,
        organisation=programme.organisation,
        programme=programme,
        table=rules.read_file(content),
        today=TODAY,
        dry_run=dry_run,
    )


def assert_imported(programme: Programme) -> None:
    dossiers = {
        d.external_number: d
        for d in Dossier.objects.filter(organisation=programme.organisation)
        .exclude(external_number="")
        .select_related("applicant")
    }
    assert set(dossiers) == {"2015-001", "2015-002", "2015-003", "2015-004", "2015-005"}
    first = dossiers["2015-001"]
    assert first.imported_at is not None
    assert first.number.startswith("MC-2015-")
    assert first.state == DossierState.DISBURSED
    assert first.application_date == date(2015, 3, 12)
    assert first.purpose_category == "mobilite"
    assert first.requested_amount == Decimal("2500.00")
    assert first.requested_months == 36
    applicant = first.applicant
    assert (applicant.last_name, applicant.first_name) == ("Historique", "2015-001")
    assert applicant.birth_date == date(1978, 11, 4)
    assert applicant.commune_code == "42218"
    assert applicant.commune_name == "Saint-Étienne"
    assert applicant.imported_household_type == "single_parent"
    assert applicant.activity == "precarious"
    loan = Loan.objects.get(dossier=first)
    assert loan.principal == Decimal("2500.00")
    assert loan.months == 36
    assert loan.nominal_rate_percent == Decimal("1.750")
    assert loan.disbursement_date == date(2015, 4, 20)
    assert loan.state == LoanState.ACTIVE
    assert loan.installment > 0 and loan.total_due == loan.principal + loan.total_interest
    assert ScheduleVersion.objects.get(loan=loan).lines.count() == 36
    moves = list(DossierEvent.objects.filter(dossier=first).values_list("transition", "at__date"))
    assert moves == [("open", date(2015, 3, 12)), ("disburse", date(2015, 4, 20))]

    refused = dossiers["2015-002"]
    assert refused.state == DossierState.REFUSED_BY_COMMITTEE
    assert refused.purpose_category == "logement"
    assert refused.applicant.activity == "job_seeker"
    assert refused.applicant.imported_household_type == ""
    assert not Loan.objects.filter(dossier=refused).exists()

    called = dossiers["2015-003"]
    assert called.state == DossierState.GUARANTEE_CALLED
    assert called.state_changed_at.date() == date(2016, 9, 15)
    claim = GuaranteeClaim.objects.get(loan__dossier=called)
    assert claim.loan.state == LoanState.GUARANTEE_CALLED
    assert claim.acceleration_date == date(2016, 9, 15)
    assert claim.outstanding_principal == Decimal("2105.40")
    assert claim.guarantor_name == "Fonds de cohésion sociale"
    assert claim.amount == Decimal("1052.70")  # 50 % of the outstanding principal
    assert claim.state == ClaimState.SENT

    repaid = dossiers["2015-004"]
    assert repaid.state == DossierState.REPAID
    assert Loan.objects.get(dossier=repaid).state == LoanState.REPAID
    assert repaid.applicant.activity == "retired"
    assert dossiers["2015-005"].state == DossierState.WITHDRAWN
    assert dossiers["2015-005"].applicant.activity == "other"  # empty: « autre »
    assert not dossiers["2015-005"].documents.exists()


def test_a_good_csv_is_imported(director: User, programme: Programme) -> None:
    result = run(director, programme, csv_bytes(ROWS))
    assert (result.created, result.already_present) == (5, 0)
    assert_imported(programme)


def test_a_good_xlsx_is_imported(director: User, programme: Programme) -> None:
    result = run(director, programme, xlsx_bytes(ROWS))
    assert (result.created, result.already_present) == (5, 0)
    assert_imported(programme)


def test_a_comma_separated_cp1252_csv_is_read(director: User, programme: Programme) -> None:
    result = run(director, programme, csv_bytes(ROWS, delimiter=",", encoding="cp1252"))
    assert result.created == 5
    assert Applicant.objects.get(first_name="2015-002").activity == "job_seeker"


def test_the_same_file_twice_doubles_nothing(director: User, programme: Programme) -> None:
    content = csv_bytes(ROWS)
    run(director, programme, content)
    counts = (Dossier.objects.count(), Applicant.objects.count(), Loan.objects.count())
    changed = [list(ROWS[0])]
    changed[0][7] = "9999"  # the same numero with other data: kept as it is
    again = run(director, programme, content)
    assert (again.created, again.already_present) == (0, 5)
    assert run(director, programme, csv_bytes(changed)).already_present == 1
    assert (Dossier.objects.count(), Applicant.objects.count(), Loan.objects.count()) == counts
    assert Dossier.objects.get(external_number="2015-001").requested_amount == Decimal("2500")


def test_one_bad_cell_imports_nothing_and_names_its_line_and_column(
    director: User, programme: Programme
) -> None:
    rows = [list(r) for r in ROWS]
    rows[3][11] = "12x"  # line 5 (the header is line 1), column montant_prete
    before = (Dossier.objects.count(), Applicant.objects.count(), DossierEvent.objects.count())
    with pytest.raises(HistoryRefused) as refusal:
        run(director, programme, csv_bytes(rows))
    assert refusal.value.messages == [
        "Ligne 5, colonne montant_prete : « 12x » n'est pas un montant (en euros, deux "
        "décimales au plus : 1234,56)."
    ]
    after = (Dossier.objects.count(), Applicant.objects.count(), DossierEvent.objects.count())
    assert after == before


def test_every_error_is_collected(director: User, programme: Programme) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][1] = "31/02/2015"  # line 2: no such date
    rows[1][9] = "accorde"  # line 3: unknown outcome
    rows[2][14] = ""  # line 4: loan state missing for a disbursed loan
    rows[4][0] = "2015-001"  # line 6: numero repeated
    rows[4][10] = "01/01/2016"  # line 6: a loan column for a withdrawal
    with pytest.raises(HistoryRefused) as refusal:
        run(director, programme, csv_bytes(rows))
    messages = refusal.value.messages
    assert messages[0] == (
        "Ligne 2, colonne date_accueil : « 31/02/2015 » n'est pas une date (JJ/MM/AAAA ou "
        "AAAA-MM-JJ)."
    )
    assert messages[1].startswith("Ligne 3, colonne issue : « accorde » n'est pas une valeur")
    assert messages[2] == "Ligne 4, colonne etat_pret : la valeur manque."
    assert "Ligne 6, colonne date_decaissement" in messages[3]
    assert messages[4] == (
        "Ligne 6, colonne numero : le numéro « 2015-001 » figure déjà à la ligne 2 du fichier."
    )
    assert not Dossier.objects.exclude(external_number="").exists()


def test_the_check_reads_the_same_number_of_queries_for_5_or_60_rows(
    programme: Programme, count_queries: Callable[[Callable[[], object]], int]
) -> None:
    many = [[f"{n}-{row[0]}", *row[1:]] for n in range(12) for row in ROWS]

    def check(rows: list[list[str]]) -> None:
        table = rules.read_file(csv_bytes(rows))
        result = history_check(
            organisation_id=programme.organisation_id, programme=programme, table=table, today=TODAY
        )
        assert result.ok

    assert count_queries(lambda: check(ROWS)) == count_queries(lambda: check(many)) <= 3


def test_a_missing_column_is_named() -> None:
    content = b"numero;date_accueil\n1;01/01/2015\n"
    with pytest.raises(rules.FileProblem) as problem:
        rules.read_file(content)
    assert problem.value.problem.code == "missing_columns"
    assert "date_naissance" in problem.value.problem.column
    assert "issue" in problem.value.problem.column


def test_a_file_neither_csv_nor_xlsx_is_refused() -> None:
    with pytest.raises(rules.FileProblem) as problem:
        rules.read_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert problem.value.problem.code == "not_csv_or_xlsx"


def test_the_command_imports_then_reports_nothing_new(
    director: User, programme: Programme, tmp_path: Path
) -> None:
    path = tmp_path / "historique.csv"
    path.write_bytes(csv_bytes(ROWS))
    out = StringIO()
    call_command("import_history", str(path), "--dry-run", stdout=out)
    assert "5 dossier(s) seraient créés" in out.getvalue()
    assert not Dossier.objects.exclude(external_number="").exists()
    out = StringIO()
    call_command("import_history", str(path), stdout=out)
    assert "5 créé(s), 0 déjà présent(s)" in out.getvalue()
    assert "Colonnes ignorées : commentaire." in out.getvalue()
    out = StringIO()
    call_command("import_history", str(path), stdout=out)
    assert "0 créé(s), 5 déjà présent(s)" in out.getvalue()


def test_the_command_refuses_a_bad_file_with_exit_code_2(director: User, tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][2] = "hier"
    path = tmp_path / "historique.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError) as error:
        call_command("import_history", str(path))
    assert error.value.returncode == 2
    assert "Ligne 3, colonne date_naissance : « hier » n'est pas une date" in str(error.value)


# --- The page ----------------------------------------------------------------------------------

IMPORT = reverse("reporting:import")


def upload(client: Client, programme: Programme, content: bytes, name: str = "h.csv") -> str:
    response = client.post(
        IMPORT, {"programme": programme.pk, "upload": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_previews_then_confirms(
    client: Client, director: User, programme: Programme
) -> None:
    client.force_login(director)
    page = client.get(IMPORT).content.decode()
    assert "<code>capital_restant_du_appel</code>" in page
    assert reverse("reporting:import_template", args=["xlsx"]) in page
    page = upload(client, programme, xlsx_bytes(ROWS), "historique.xlsx")
    assert "Importer 5 dossiers" in page
    assert "2015-003" in page
    assert not Dossier.objects.exclude(external_number="").exists()
    token = client.session["reporting_history_import"]["token"]
    forged = client.post(IMPORT, {"token": "forged"}, follow=True).content.decode()
    assert "plus valable" in forged
    assert not Dossier.objects.exclude(external_number="").exists()
    done = client.post(IMPORT, {"token": token}, follow=True).content.decode()
    assert "5 dossier(s) créé(s), 0 déjà présent(s)" in done
    assert_imported(programme)
    # The same preview confirmed twice imports nothing more.
    again = client.post(IMPORT, {"token": token}, follow=True).content.decode()
    assert "plus valable" in again
    assert Dossier.objects.exclude(external_number="").count() == 5


def test_the_preview_shows_the_errors_and_offers_no_confirmation(
    client: Client, director: User, programme: Programme
) -> None:
    client.force_login(director)
    rows = [list(r) for r in ROWS]
    rows[5 - 2][11] = "12x"
    page = upload(client, programme, csv_bytes(rows))
    assert "Ligne 5, colonne montant_prete : « 12x » n&#x27;est pas un montant" in page
    assert 'name="token"' not in page
    assert "reporting_history_import" not in client.session


def test_a_file_of_another_kind_gets_a_french_message(
    client: Client, director: User, programme: Programme
) -> None:
    client.force_login(director)
    page = upload(client, programme, b"%PDF-1.4\x00\x00binary", "h.pdf")
    assert "ni un CSV ni un classeur XLSX" in page


def test_the_templates_hold_the_parser_columns(client: Client, director: User) -> None:
    client.force_login(director)
    response = client.get(reverse("reporting:import_template", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    table = rules.read_file(response.content)
    assert text.splitlines()[0] == ";".join(rules.COLUMN_NAMES)
    assert len(table.rows) == 2
    response = client.get(reverse("reporting:import_template", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert list(next(sheet.iter_rows(values_only=True))) == list(rules.COLUMN_NAMES)
    assert client.get(reverse("reporting:import_template", args=["pdf"])).status_code == 404


def test_the_template_examples_pass_the_check(director: User, programme: Programme) -> None:
    result = run(director, programme, rules.template_csv(), dry_run=True)
    assert result.check.ok and len(result.check.new_rows) == 2


def test_a_non_director_gets_403(client_for) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.REFERENT, Role.AGENT, Role.BANK_ADVISER):
        client = client_for(role, username=f"u-{role.value}")
        assert client.get(IMPORT).status_code == 403
        url = reverse("reporting:import_template", args=["csv"])
        assert client.get(url).status_code == 403
        client.logout()


def test_another_ccas_director_neither_sees_nor_imports_into_the_other(
    client: Client, director: User, programme: Programme
) -> None:
    firminy = onboard_firminy()
    other = User.objects.get(memberships__organisation=firminy, memberships__role=Role.DIRECTOR)
    # Saint-Étienne's director previews a file; Firminy's director cannot confirm it.
    client.force_login(director)
    upload(client, programme, csv_bytes(ROWS))
    token = client.session["reporting_history_import"]["token"]
    other_client = Client()
    other_client.force_login(other)
    page = other_client.get(IMPORT).content.decode()
    assert f'value="{programme.pk}"' not in page
    response = other_client.post(
        IMPORT, {"programme": programme.pk, "upload": SimpleUploadedFile("h.csv", csv_bytes(ROWS))}
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert "reporting_history_import" not in other_client.session
    other_client.post(IMPORT, {"token": token})
    assert not Dossier.objects.exclude(external_number="").exists()
    # Imported into Firminy's own scheme, the same numbers are Firminy's, not Saint-Étienne's.
    firminy_programme = Programme.objects.get(organisation=firminy)
    with pytest.raises(HistoryRefused):
        history_import(
            actor=other,
            organisation=programme.organisation,
            programme=programme,
            table=rules.read_file(csv_bytes(ROWS)),
            today=TODAY,
        )
    rows = [r for r in ROWS if r[3] == "42218" and r[6] != "Logement"][:1]
    rows[0] = list(rows[0])
    rows[0][3] = "42095"
    result = history_import(
        actor=other,
        organisation=firminy,
        programme=firminy_programme,
        table=rules.read_file(csv_bytes(rows)),
        today=TODAY,
    )
    assert result.created == 1
    assert Dossier.objects.get(organisation=firminy).external_number == "2015-001"
    assert (
        not Dossier.objects.filter(organisation=programme.organisation)
        .exclude(external_number="")
        .exists()
    )


def test_an_ongoing_loan_is_imported_up_to_date_for_the_arrears_job(
    director: User, programme: Programme
) -> None:
    """Disbursed on 15/10/2025 for 12 months, imported on 02/03/2026: the four installments due
    by then (November to February) are recorded as paid on their due dates, so the nightly job
    finds no arrears; a second import records nothing more."""
    row = ["2025-010", "01/09/2025", "04/11/1978", "42218", "", "", "mobilite", "600", "12",
           "decaisse", "15/10/2025", "600,00", "12", "1,75", "en_cours", "", "", ""]  # fmt: skip
    run(director, programme, csv_bytes([row]))
    loan = Loan.objects.get(dossier__external_number="2025-010")
    repayments = list(loan.repayments.order_by("date"))
    lines = list(
        ScheduleVersion.objects.get(loan=loan).lines.filter(due_date__lte=TODAY).order_by("number")
    )
    assert len(lines) == 4
    assert [(r.reference, r.date, r.amount, r.via) for r in repayments] == [
        (f"HIST-2025-010-{line.number:03d}", line.due_date, line.payment, RecordedVia.IMPORT)
        for line in lines
    ]
    arrears_run(as_of=TODAY)
    snapshot = ArrearsSnapshot.objects.get(loan=loan, as_of=TODAY)
    assert (snapshot.days_past_due, snapshot.overdue_amount) == (0, Decimal("0.00"))
    run(director, programme, csv_bytes([row]))
    assert loan.repayments.count() == 4


def test_an_imported_dossier_says_so_on_its_page(
    client: Client, director: User, programme: Programme
) -> None:
    run(director, programme, csv_bytes(ROWS))
    dossier = Dossier.objects.get(external_number="2015-003")
    client.force_login(director)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Dossier de l'historique du dispositif, importé le 02/03/2026" in page
    assert "(n° 2015-003 dans le fichier du CCAS)" in page
