"""The bilan's figures over a hand-built data set, each derived by hand below.

The period is the first half of 2026 (1 January – 30 June, both included). The CCAS of
Saint-Étienne holds 22 dossiers; another CCAS holds one of its own, which no figure counts.

The cohort (application date in the period) is D1…D16; D17 was received in 2025 but its loan
was disbursed in the period; D18 was received after it; D20–D22 are older loans, repaid in it.
Dates are 2026 unless said; each event is at 10:00 on its day.

    dossier  received  diag   instr  committee        transmitted  granted  disbursed   now (*)
    D1       01-05     01-08  01-15  01-29            02-03        02-13    02-20       disbursed
    D2       01-12     01-14  01-24  02-02            02-10        02-16    02-27       called
    D3       02-02     02-06  02-11  03-02            03-05        03-19    03-23       disbursed
    D4       02-16     02-17  02-27  03-09            03-17        03-23    04-06       disbursed
    D5       03-02     03-09  03-16  04-01            04-08        04-15    04-24       disbursed
    D6       03-16     03-18  03-25  04-08 adjourned, 04-27        05-04    05-11       disbursed
                                     04-22 ready
    D7       04-01     04-03  04-10  05-04            05-13        06-20    07-10 (after) disbursed
    D8       04-06     04-10  04-20  05-11            05-18, 06-01 refused by the bank
    D9       04-13     04-15  04-29  05-20 refused by the committee
    D10      05-04     05-06  05-13  06-03 adjourned                                    adjourned
    D11      05-11     05-15  05-27                                                     instruction
    D12      05-18     05-20, reoriented 05-25 (FSL)
    D13      06-01     reoriented 06-03 (aide facultative du CCAS)
    D14      06-08     06-10, withdrawn 06-15 (the person of D9, back)
    D15      06-22     (reception)                                                      reception
    D16      03-10     imported: one event, disbursed 04-01                             disbursed
    (*) called: guarantee_called.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.organisations.models import Organisation
from microcredit.reporting import rules
from microcredit.reporting.rules import Bilan, Period
from microcredit.reporting.selectors import bilan, default_periods
from tests.reporting.bilan_dataset import Builder, at

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def path(*stages: tuple[str, tuple[int, ...]]) -> list[tuple[str, date]]:
    return [(state, d(*day)) for state, day in stages]


def full_path(
    received: tuple[int, int],
    diagnosis: tuple[int, int],
    instruction: tuple[int, int],
    committee: tuple[int, int],
    transmitted: tuple[int, int],
    granted: tuple[int, int],
    disbursed: tuple[int, int] | None,
) -> list[tuple[str, date]]:
    stages = [
        ("reception", received),
        ("diagnosis", diagnosis),
        ("instruction", instruction),
        ("ready_for_committee", committee),
        ("transmitted_to_bank", transmitted),
        ("granted", granted),
    ]
    if disbursed:
        stages.append(("disbursed", disbursed))
    return path(*stages)


def other_ccas() -> Organisation:
    return Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")


def named(user: User, first: str, last: str) -> User:
    User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
    user.refresh_from_db()
    return user


def build(saint_etienne: Organisation, bank: Organisation, make_user) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The data set of the module's docstring; returns the users the figures name."""
    actor = make_user(Role.AGENT, "agent-bilan")
    aline = named(make_user(Role.REFERENT, "ref-aline"), "Aline", "Martin")
    bruno = named(make_user(Role.REFERENT, "ref-bruno"), "Bruno", "Petit")
    b = Builder(saint_etienne, bank, actor)

    # --- The cohort ------------------------------------------------------------------------
    b.dossier(
        "D1", applied=d(1, 5), state="disbursed", referent=aline, purpose="mobilite",
        path=full_path((1, 5), (1, 8), (1, 15), (1, 29), (2, 3), (2, 13), (2, 20)),
        applicant={"family_situation": "married", "activity": "permanent_job",
                   "birth_date": d(2, 21, 2002)},
        members=("spouse", "child"),
    )  # fmt: skip
    b.dossier(
        "D2", applied=d(1, 12), state="guarantee_called", referent=aline, purpose="mobilite",
        path=full_path((1, 12), (1, 14), (1, 24), (2, 2), (2, 10), (2, 16), (2, 27)),
        applicant={"family_situation": "single", "activity": "job_seeker",
                   "birth_date": d(2, 27, 2001)},
    )  # fmt: skip
    b.dossier(
        "D3", applied=d(2, 2), state="disbursed", referent=aline, purpose="mobilite",
        path=full_path((2, 2), (2, 6), (2, 11), (3, 2), (3, 5), (3, 19), (3, 23)),
        applicant={"family_situation": "cohabiting", "activity": "part_time",
                   "birth_date": d(1, 1, 1990)},
        members=("spouse",),
    )  # fmt: skip
    b.dossier(
        "D4", applied=d(2, 16), state="disbursed", referent=bruno, purpose="logement",
        path=full_path((2, 16), (2, 17), (2, 27), (3, 9), (3, 17), (3, 23), (4, 6)),
        applicant={"family_situation": "divorced", "activity": "job_seeker",
                   "birth_date": d(6, 1, 1980)},
        members=("child", "child"),
    )  # fmt: skip
    b.dossier(
        "D5", applied=d(3, 2), state="disbursed", referent=aline, purpose="logement",
        path=full_path((3, 2), (3, 9), (3, 16), (4, 1), (4, 8), (4, 15), (4, 24)),
        applicant={"family_situation": "civil_partnership", "activity": "retired",
                   "birth_date": d(4, 25, 1961)},
        members=("child",),
    )  # fmt: skip
    b.dossier(
        "D6", applied=d(3, 16), state="disbursed", referent=bruno, purpose="sante",
        path=path(("reception", (3, 16)), ("diagnosis", (3, 18)), ("instruction", (3, 25)),
                  ("adjourned", (4, 8)), ("ready_for_committee", (4, 22)),
                  ("transmitted_to_bank", (4, 27)), ("granted", (5, 4)), ("disbursed", (5, 11))),
        applicant={"family_situation": "single", "activity": "precarious",
                   "birth_date": d(1, 1, 1950)},
        members=("other_relative",),
    )  # fmt: skip
    b.dossier(
        "D7", applied=d(4, 1), state="disbursed", referent=aline,
        path=full_path((4, 1), (4, 3), (4, 10), (5, 4), (5, 13), (6, 20), (7, 10)),
    )  # fmt: skip
    b.dossier(
        "D8", applied=d(4, 6), state="refused_by_bank", referent=bruno,
        path=path(("reception", (4, 6)), ("diagnosis", (4, 10)), ("instruction", (4, 20)),
                  ("ready_for_committee", (5, 11)), ("transmitted_to_bank", (5, 18)),
                  ("refused_by_bank", (6, 1))),
    )  # fmt: skip
    b.dossier(
        "D9", applied=d(4, 13), state="refused_by_committee", referent=aline,
        path=path(("reception", (4, 13)), ("diagnosis", (4, 15)), ("instruction", (4, 29)),
                  ("refused_by_committee", (5, 20))),
    )  # fmt: skip
    b.dossier(
        "D10", applied=d(5, 4), state="adjourned", referent=aline,
        path=path(("reception", (5, 4)), ("diagnosis", (5, 6)), ("instruction", (5, 13)),
                  ("adjourned", (6, 3))),
    )  # fmt: skip
    b.dossier(
        "D11", applied=d(5, 11), state="instruction", referent=bruno,
        path=path(("reception", (5, 11)), ("diagnosis", (5, 15)), ("instruction", (5, 27))),
    )  # fmt: skip
    b.dossier(
        "D12", applied=d(5, 18), state="reoriented", referent=bruno,
        path=path(("reception", (5, 18)), ("diagnosis", (5, 20)), ("reoriented", (5, 25))),
        reorientation_scheme="fonds_de_solidarite_logement_fsl",
        reorientation_label="Fonds de solidarité logement (FSL)",
    )  # fmt: skip
    b.dossier(
        "D13", applied=d(6, 1), state="reoriented", referent=aline,
        path=path(("reception", (6, 1)), ("reoriented", (6, 3))),
        reorientation_scheme="aide_facultative_du_ccas",
        reorientation_label="Aide facultative du CCAS",
    )  # fmt: skip
    b.dossier(
        "D14", applied=d(6, 8), state="withdrawn", referent=aline, same_person_as="D9",
        path=path(("reception", (6, 8)), ("diagnosis", (6, 10)), ("withdrawn", (6, 15))),
    )  # fmt: skip
    b.dossier(
        "D15", applied=d(6, 22), state="reception", referent=aline,
        path=path(("reception", (6, 22))),
    )  # fmt: skip
    b.dossier(
        "D16", applied=d(3, 10), state="disbursed", purpose="emploi_et_formation",
        path=path(("disbursed", (4, 1))), imported_at=at(d(11, 1)), external_number="H-16",
        applicant={"family_situation": "single", "activity": "job_seeker",
                   "birth_date": d(7, 1, 1995), "imported_household_type": "other"},
    )  # fmt: skip

    # --- Outside the cohort ----------------------------------------------------------------
    b.dossier(
        "D17", applied=d(11, 20, 2025), state="guarantee_called", referent=bruno,
        purpose="emploi_et_formation",
        path=path(("reception", (11, 20, 2025)), ("disbursed", (1, 20))),
        applicant={"family_situation": "single", "activity": "part_time",
                   "birth_date": d(1, 20, 1985)},
        members=("child",),
    )  # fmt: skip
    b.dossier(
        "D18", applied=d(7, 5), state="reception", referent=bruno,
        path=path(("reception", (7, 5))),
    )  # fmt: skip
    for name, applied in (("D20", d(4, 1, 2025)), ("D21", d(2, 1, 2025)), ("D22", d(1, 2, 2025))):
        b.dossier(name, applied=applied, state="repaid", path=[])

    # --- Loans -----------------------------------------------------------------------------
    b.loan("D1", principal="1200.00", months=24, disbursed=d(2, 20))
    b.loan("D2", principal="450.00", months=12, disbursed=d(2, 27), state="guarantee_called")
    b.loan("D3", principal="2500.00", months=36, disbursed=d(3, 23))
    b.loan("D4", principal="800.00", months=18, disbursed=d(4, 6))
    b.loan("D5", principal="1000.00", months=30, disbursed=d(4, 24))
    b.loan("D6", principal="1999.99", months=40, disbursed=d(5, 11))
    b.loan("D7", principal="900.00", months=24, disbursed=d(7, 10))
    b.loan("D16", principal="300.00", months=6, disbursed=d(4, 1))
    b.loan("D17", principal="600.00", months=12, disbursed=d(1, 20), state="guarantee_called")
    b.loan("D20", principal="500.00", months=12, disbursed=d(5, 15, 2025), state="repaid")
    b.loan("D21", principal="900.00", months=24, disbursed=d(3, 10, 2025), state="repaid")
    b.loan("D22", principal="700.00", months=18, disbursed=d(1, 20, 2025), state="repaid")

    # Completions: D20 on its last due date; D21 by an early repayment; D22 in June, before the
    # month of its last due date (20 July).
    b.schedule("D20", [d(4, 15), d(5, 15)])
    b.repayment("D20", d(4, 15), "41.67")
    b.repayment("D20", d(5, 15), "41.67")
    b.schedule("D21", [d(2, 10, 2027), d(3, 10, 2027)])
    b.repayment("D21", d(3, 15), "600.00", early=True)
    b.schedule("D22", [d(6, 20), d(7, 20)])
    b.repayment("D22", d(6, 2), "77.80")
    b.repayment("D1", d(3, 20), "50.00")  # an active loan: no completion

    # Guarantee calls: two within the cohort by 30 June, one after it.
    b.claim("D2", accelerated=d(5, 20), outstanding="300.00")
    b.claim("D17", accelerated=d(6, 10), outstanding="700.00")
    b.claim("D3", accelerated=d(7, 15), outstanding="2000.00")

    # Arrears: the latest computed date on or before 30 June is 30 June.
    b.snapshot("D1", d(5, 31), outstanding="1100.00", days_late=0)
    b.snapshot("D1", d(6, 30), outstanding="1000.00", days_late=0)
    b.snapshot("D3", d(6, 30), outstanding="2400.00", days_late=45)
    b.snapshot("D4", d(6, 30), outstanding="700.00", days_late=10)
    b.snapshot("D5", d(6, 30), outstanding="950.00", days_late=31)
    b.snapshot("D1", d(7, 31), outstanding="900.00", days_late=60)

    b.plan("D3", proposed=d(6, 5), state="proposed", overdue="150.00")
    b.plan("D5", proposed=d(5, 10), state="agreed", overdue="80.50")
    b.plan("D4", proposed=d(2, 10), state="refused", overdue="60.00")
    b.plan("D1", proposed=d(12, 20, 2025), state="kept", overdue="45.00")

    b.bonification("D20", paid=d(5, 20), amount="41.67")
    b.bonification("D22", paid=d(6, 10), amount="38.90")
    b.bonification("D21", paid=d(7, 2), amount="30.00")
    b.bonification("D2", paid=None, amount="37.50")  # waived

    # Budgets: the largest resource line of the latest version.
    b.budget("D1", 1, [("resource", "salaries", "900.00")])
    b.budget("D1", 2, [("resource", "salaries", "1400.00"),
                       ("resource", "family_benefits", "300.00")])  # fmt: skip
    b.budget("D2", 1, [("resource", "unemployment_benefits", "800.00"),
                       ("resource", "housing_aid", "200.00"),
                       ("charge", "rent", "900.00")])  # fmt: skip
    b.budget("D3", 1, [("resource", "salaries", "1000.00")])
    b.budget("D3", 2, [("resource", "rsa", "600.00"), ("resource", "salaries", "500.00")])
    b.budget("D4", 1, [("resource", "unemployment_benefits", "700.00"),
                       ("resource", "family_benefits", "400.00")])  # fmt: skip
    b.budget("D5", 1, [("resource", "pensions", "1100.00")])
    b.budget("D17", 1, [("charge", "rent", "450.00")])

    # Rights: D1, D2, D3 in the period; D4 in July.
    b.rights("D1", d(3, 1), {"ppa": "opened", "rsa": "not_eligible"})
    b.rights("D2", d(4, 2), {"ppa": "claim_started", "css": "opened"})
    b.rights("D3", d(6, 30), {"ppa": "already_received"})
    b.rights("D4", d(7, 3), {"aide_logement": "opened"})

    # Contacts: three in the period (the last at 23:30 on 30 June), one just before, one after.
    b.contact(at(d(1, 1), 0, 30))
    b.contact(at(d(3, 15)))
    b.contact(at(d(6, 30), 23, 30))
    b.contact(at(d(12, 31, 2025), 23, 30))
    b.contact(at(d(7, 1), 0, 30))

    # --- Another CCAS: nothing of it is counted ---------------------------------------------
    firminy = other_ccas()
    o = Builder(firminy, bank, actor)
    o.dossier(
        "F1", applied=d(3, 3), state="disbursed", referent=aline,
        path=full_path((3, 3), (3, 4), (3, 5), (3, 6), (3, 7), (3, 8), (3, 20)),
        reorientation_scheme="autre", reorientation_label="Autre",
    )  # fmt: skip
    o.loan("F1", principal="5000.00", months=48, disbursed=d(3, 20))
    o.claim("F1", accelerated=d(6, 1), outstanding="4000.00")
    o.snapshot("F1", d(6, 30), outstanding="4000.00", days_late=90)
    o.plan("F1", proposed=d(5, 1), state="proposed", overdue="99.00")
    o.bonification("F1", paid=d(6, 1), amount="99.00")
    o.budget("F1", 1, [("resource", "aah", "900.00")])
    o.rights("F1", d(3, 10), {"ppa": "opened", "asf": "opened"})
    o.contact(at(d(3, 15)))
    return {"aline": aline, "bruno": bruno, "firminy": firminy}


@pytest.fixture
def dataset(saint_etienne, bank, make_user):  # type: ignore[no-untyped-def]
    return build(saint_etienne, bank, make_user)


@pytest.fixture
def figures(dataset, saint_etienne) -> Bilan:  # type: ignore[no-untyped-def]
    return bilan(organisation_ids=[saint_etienne.pk], period=PERIOD)


def rows(breakdown: tuple[rules.Row, ...]) -> list[tuple[str, int, Decimal | None]]:
    return [(row.key, row.count, row.amount) for row in breakdown]


def test_people(figures: Bilan) -> None:
    # D1…D16; D17 (2025) and D18 (July) are outside; Firminy's F1 is another CCAS.
    assert figures.received == 16
    # D14 is D9's person: 16 − 1.
    assert figures.people_received == 15
    # 1 January 00:30, 15 March, 30 June 23:30; not 31 December 2025, not 1 July, not Firminy's.
    assert figures.contacts == 3


def test_funnel_counts_and_conversions(figures: Bilan) -> None:
    stages = {stage.key: stage for stage in figures.funnel}
    assert [stage.key for stage in figures.funnel] == [
        "received", "diagnosis", "instruction", "committee", "transmitted", "granted",
        "disbursed",
    ]  # fmt: skip
    # diagnosis or later: D1–D12 (12), D14 (diagnosis) and D16 (disbursed) = 14; D13 went from
    # reception to a reorientation, D15 is still at reception.
    # instruction or later: D1–D11 and D16 = 12. Committee (any of its three states) or later:
    # D1–D10 and D16 = 11. Transmitted (or refused by the bank) or later: D1–D8 and D16 = 9.
    # Granted or later: D1–D7 and D16 = 8. Disbursed by 30 June: D1–D6 and D16 = 7 (D7's
    # disbursement on 10 July is after the period).
    assert [stage.count for stage in figures.funnel] == [16, 14, 12, 11, 9, 8, 7]
    assert stages["received"].conversion_percent is None
    assert stages["diagnosis"].conversion_percent == Decimal("87.50")  # 14 / 16
    assert stages["instruction"].conversion_percent == Decimal("85.71")  # 12 / 14 = 85.714…
    assert stages["committee"].conversion_percent == Decimal("91.67")  # 11 / 12 = 91.666…
    assert stages["transmitted"].conversion_percent == Decimal("81.82")  # 9 / 11 = 81.818…
    assert stages["granted"].conversion_percent == Decimal("88.89")  # 8 / 9 = 88.888…
    assert stages["disbursed"].conversion_percent == Decimal("87.50")  # 7 / 8


def test_funnel_median_delays(figures: Bilan) -> None:
    stages = {stage.key: stage for stage in figures.funnel}
    assert stages["received"].median_days is None
    assert stages["received"].delays_measured == 0
    # Application → diagnosis: D1 3, D2 2, D3 4, D4 1, D5 7, D6 2, D7 2, D8 4, D9 2, D10 2,
    # D11 4, D12 2, D14 2 (13 dossiers; D16 has no diagnosis date). Sorted: 1 2 2 2 2 2 2 2 3
    # 4 4 4 7: the 7th is 2.
    assert (stages["diagnosis"].delays_measured, stages["diagnosis"].median_days) == (
        13,
        Decimal("2.0"),
    )
    # Diagnosis → instruction: D1 7, D2 10, D3 5, D4 10, D5 7, D6 7, D7 7, D8 10, D9 14,
    # D10 7, D11 12 (11). Sorted 5 7 7 7 7 7 10 10 10 12 14: the 6th is 7.
    assert (stages["instruction"].delays_measured, stages["instruction"].median_days) == (
        11,
        Decimal("7.0"),
    )
    # Instruction → committee (its first event: D6 adjourned on 8 April, D10 on 3 June; D9
    # refused on 20 May): D1 14, D2 9, D3 19 (11 Feb → 2 Mar, February has 28 days), D4 10,
    # D5 16, D6 14, D7 24, D8 21, D9 21, D10 21 (10). Sorted 9 10 14 14 16 19 21 21 21 24:
    # (16 + 19) / 2 = 17.5.
    assert (stages["committee"].delays_measured, stages["committee"].median_days) == (
        10,
        Decimal("17.5"),
    )
    # Committee → transmitted: D1 5, D2 8, D3 3, D4 8, D5 7, D6 19 (from 8 April), D7 9, D8 7
    # (8). Sorted 3 5 7 7 8 8 9 19: (7 + 8) / 2 = 7.5.
    assert (stages["transmitted"].delays_measured, stages["transmitted"].median_days) == (
        8,
        Decimal("7.5"),
    )
    # Transmitted → granted: D1 10, D2 6, D3 14, D4 6, D5 7, D6 7, D7 38 (7). Sorted 6 6 7 7
    # 10 14 38: the 4th is 7.
    assert (stages["granted"].delays_measured, stages["granted"].median_days) == (
        7,
        Decimal("7.0"),
    )
    # Granted → disbursed: D1 7, D2 11, D3 4, D4 14, D5 9, D6 7 (6; D7 after the period, D16
    # has no grant date). Sorted 4 7 7 9 11 14: (7 + 9) / 2 = 8.
    assert (stages["disbursed"].delays_measured, stages["disbursed"].median_days) == (
        6,
        Decimal("8.0"),
    )


def test_reorientations_and_caseload(figures: Bilan, dataset) -> None:  # type: ignore[no-untyped-def]
    # One each, by code (Firminy's « autre » is not counted).
    assert [(r.key, r.label, r.count) for r in figures.reorientations] == [
        ("aide_facultative_du_ccas", "Aide facultative du CCAS", 1),
        ("fonds_de_solidarite_logement_fsl", "Fonds de solidarité logement (FSL)", 1),
    ]
    aline, bruno = dataset["aline"], dataset["bruno"]
    # Open today (not repaid, guarantee called, closed, reoriented, withdrawn or refused):
    # Aline: D1, D3, D5, D7, D10, D15 = 6 (not D2, D9, D13, D14; not Firminy's F1);
    # Bruno: D4, D6, D11, D18 = 4 (not D8, D12, D17); nobody: D16 (imported) = 1.
    assert [(r.key, r.label, r.count) for r in figures.caseload] == [
        (str(aline.pk), "Aline Martin", 6),
        (str(bruno.pk), "Bruno Petit", 4),
        ("none", "sans référent", 1),
    ]


def test_loans_bands_and_purposes(figures: Bilan) -> None:
    # Disbursed 1 January – 30 June: D1 1200, D2 450, D3 2500, D4 800, D5 1000, D6 1999.99,
    # D16 300, D17 600 (8 loans; not D7 in July, not the 2025 loans, not Firminy's 5000).
    assert figures.disbursed_count == 8
    # 1200 + 450 + 2500 + 800 + 1000 + 1999.99 + 300 + 600 = 8849.99
    assert figures.disbursed_amount == Decimal("8849.99")
    # mobilité D1 D2 D3 = 4150; logement D4 D5 = 1800; emploi D16 D17 = 900; santé D6.
    assert [(r.key, r.label, r.count, r.amount) for r in figures.purposes] == [
        ("mobilite", "Mobilité", 3, Decimal("4150.00")),
        ("emploi_et_formation", "Emploi et formation", 2, Decimal("900.00")),
        ("logement", "Logement", 2, Decimal("1800.00")),
        ("sante", "Santé", 1, Decimal("1999.99")),
    ]
    # < 500: 450 + 300; 500–999.99: 800 + 600; 1000–1999.99: 1200 + 1000 + 1999.99; ≥ 2000: 2500.
    assert rows(figures.amount_bands) == [
        ("lt500", 2, Decimal("750.00")),
        ("500_999", 2, Decimal("1400.00")),
        ("1000_1999", 3, Decimal("4199.99")),
        ("ge2000", 1, Decimal("2500.00")),
    ]
    # ≤ 12: D2 12, D16 6, D17 12; 13–24: D1 24, D4 18; 25–36: D3 36, D5 30; > 36: D6 40.
    assert rows(figures.duration_bands) == [
        ("le12", 3, Decimal("1350.00")),
        ("13_24", 2, Decimal("2000.00")),
        ("25_36", 2, Decimal("3500.00")),
        ("gt36", 1, Decimal("1999.99")),
    ]


def test_profiles(figures: Bilan) -> None:
    profiles = figures.profiles
    # D1 married + child: couple with children; D2 single: single person; D3 cohabiting, a
    # spouse only: couple without children; D4 divorced + 2 children: single parent (once);
    # D5 PACS + child: couple with children; D6 single + another relative: single person;
    # D16 declared « autre »; D17 single + child: single parent.
    assert rows(profiles.household_types) == [
        ("single_person", 2, None),
        ("couple_no_children", 1, None),
        ("couple_with_children", 2, None),
        ("single_parent", 2, None),
        ("other", 1, None),
    ]
    # job seeker D2 D4 D16; part time D3 D17; permanent D1, precarious D6, retired D5.
    assert rows(profiles.activities) == [
        ("job_seeker", 3, None),
        ("part_time", 2, None),
        ("permanent_job", 1, None),
        ("precarious", 1, None),
        ("retired", 1, None),
    ]
    # At disbursement: D1 23 (born 21 Feb 2002, lent 20 Feb 2026), D2 25 (born 27 Feb 2001,
    # lent on the birthday), D3 36, D4 45, D5 64 (born 25 Apr 1961, lent 24 Apr), D6 76,
    # D16 30, D17 41.
    assert rows(profiles.age_bands) == [
        ("lt25", 1, None),
        ("25_34", 2, None),
        ("35_44", 2, None),
        ("45_54", 1, None),
        ("55_64", 1, None),
        ("ge65", 1, None),
    ]
    # The largest resource of the latest budget: D1 v2 salaries 1400; D2 unemployment 800;
    # D3 v2 RSA 600 (not v1's salaries 1000); D4 unemployment 700; D5 pensions 1100; D6 and
    # D16 have no budget, D17 only a charge: 3 « non renseigné », last.
    assert rows(profiles.income_sources) == [
        ("unemployment_benefits", 2, None),
        ("salaries", 1, None),
        ("pensions", 1, None),
        ("rsa", 1, None),
        ("none", 3, None),
    ]


def test_portfolio_plans_completions(figures: Bilan) -> None:
    # On 30 June (not 31 July, not 31 May): 1000 + 2400 + 700 + 950 = 5050 outstanding; 30
    # days late or more: D3 2400 (45 days) + D5 950 (31 days) = 3350; 3350 / 5050 = 0.66336…
    # → 0.6634 (the engine's 4 decimals) → 66.34 %.
    assert figures.portfolio_as_of == date(2026, 6, 30)
    assert figures.outstanding_principal == Decimal("5050.00")
    assert figures.par30_percent == Decimal("66.34")
    # Proposed in the period: D3 (proposed, 150), D5 (agreed, 80.50), D4 (refused, 60); not
    # D1's of December 2025, not Firminy's.
    assert rows(figures.plans) == [
        ("proposed", 1, Decimal("150.00")),
        ("agreed", 1, Decimal("80.50")),
        ("refused", 1, Decimal("60.00")),
        ("kept", 0, Decimal("0.00")),
        ("broken", 0, Decimal("0.00")),
    ]
    # Repaid loans whose last repayment is in the period: D21 (early repayment on 15 March,
    # 900) and D22 (6 June, before July, the month of its last due date: 700) early; D20 on
    # its last due date, 15 May (500), normal. D1 is still active.
    assert rows(figures.completions) == [
        ("early", 2, Decimal("1600.00")),
        ("normal", 1, Decimal("500.00")),
    ]


def test_losses_and_bonifications(figures: Bilan) -> None:
    # Among the 8 loans disbursed in the period: D2 (called 20 May, 300 outstanding) and D17
    # (10 June, 700); D3's call on 15 July is after the period.
    assert figures.guarantee_calls == 2
    assert figures.guarantee_calls_amount == Decimal("1000.00")
    # 2 / 8 = 25 %; 1000 / 8849.99 = 0.1129944… → 11.30 %.
    assert figures.loss_rate_count_percent == Decimal("25.00")
    assert figures.loss_rate_amount_percent == Decimal("11.30")
    # The Saint-Étienne scheme's parameters: the CDC's 7.02 % on the count basis.
    assert figures.national_reference_percent == Decimal("7.02")
    assert figures.national_reference_basis == "count"
    assert "2014" in figures.national_reference_source
    # Paid in the period: D20 41.67 (20 May) + D22 38.90 (10 June) = 80.57; D21's in July and
    # D2's waiver are not counted.
    assert figures.bonifications_count == 2
    assert figures.bonifications_amount == Decimal("80.57")


def test_rights(figures: Bilan) -> None:
    # PPA: D1 opened, D2 claim started, D3 already received (30 June, included); RSA: D1 not
    # eligible; CSS: D2 opened. D4's housing aid (3 July) and Firminy's are not counted.
    assert [
        (r.right, r.detected, r.opened, r.already_received, r.claim_started, r.not_eligible)
        for r in figures.rights
    ] == [
        ("ppa", 3, 1, 1, 1, 0),
        ("rsa", 1, 0, 0, 0, 1),
        ("css", 1, 1, 0, 0, 0),
    ]


def test_the_other_ccas_alone(dataset) -> None:  # type: ignore[no-untyped-def]
    """Firminy's bilan counts its own dossier only (and Saint-Étienne's none)."""
    firminy = dataset["firminy"]
    figures = bilan(organisation_ids=[firminy.pk], period=PERIOD)
    assert (figures.received, figures.disbursed_count, figures.disbursed_amount) == (
        1,
        1,
        Decimal("5000.00"),
    )
    assert figures.guarantee_calls == 1
    assert figures.loss_rate_count_percent == Decimal("100.00")
    assert figures.contacts == 1
    # Aline's caseload there: F1 only.
    assert [(r.label, r.count) for r in figures.caseload] == [("Aline Martin", 1)]
    assert [(r.right, r.detected) for r in figures.rights] == [("ppa", 1), ("asf", 1)]
    # It has no scheme of its own: no national reference.
    assert figures.national_reference_percent is None


def test_programme_filter(dataset, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    """Restricted to a scheme: the Saint-Étienne dossiers all belong to it; a second scheme of
    the CCAS, empty, shows nothing."""
    from microcredit.programmes.models import Programme
    from tests.factories import make_second_bank, saint_etienne_programme

    programme = saint_etienne_programme()
    whole = bilan(organisation_ids=[saint_etienne.pk], period=PERIOD)
    same = bilan(organisation_ids=[saint_etienne.pk], period=PERIOD, programme_id=programme.pk)
    assert same.received == whole.received == 16
    assert same.disbursed_amount == whole.disbursed_amount
    _bank, second = make_second_bank(saint_etienne)
    empty = bilan(organisation_ids=[saint_etienne.pk], period=PERIOD, programme_id=second.pk)
    assert (empty.received, empty.disbursed_count, empty.guarantee_calls) == (0, 0, 0)
    assert empty.loss_rate_count_percent is None
    # Its parameters are a copy of the scheme's: the same reference.
    assert empty.national_reference_percent == Decimal("7.02")
    assert Programme.objects.filter(organisation=saint_etienne).count() == 2


def test_default_periods(dataset, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    today = date(2026, 12, 6)
    (year_label, year), (start_label, since) = default_periods(
        today, organisation_ids=[saint_etienne.pk]
    )
    assert (year_label, year) == ("Année 2026", Period(date(2026, 1, 1), date(2026, 12, 31)))
    # The earliest application date of Saint-Étienne's dossiers: D22, 2 January 2025.
    assert (start_label, since) == ("Depuis le début", Period(date(2025, 1, 2), today))
    # An organisation without dossiers starts today.
    empty = Organisation.objects.create(kind="ccas", name="CCAS vide", slug="ccas-vide")
    assert default_periods(today, organisation_ids=[empty.pk])[1][1] == Period(today, today)


# --- The number of queries does not grow with the data ---------------------------------------


def volume(saint_etienne: Organisation, bank: Organisation, actor: User, size: int) -> None:
    """`size` dossiers of every kind of row the bilan reads (events, loans, budgets, claims,
    snapshots, plans, bonifications, rights, contacts)."""
    b = Builder(saint_etienne, bank, actor)
    for n in range(size):
        name = f"V{n}"
        b.dossier(
            name, applied=d(2, 1 + n % 27), state="disbursed", referent=actor,
            path=full_path((2, 1), (2, 3), (2, 5), (2, 9), (2, 12), (2, 20), (3, 1)),
            members=("child",) if n % 2 else (),
        )  # fmt: skip
        b.loan(name, principal=str(300 + 100 * n), months=6 + n, disbursed=d(3, 1))
        b.budget(name, 1, [("resource", "salaries", "1000.00")])
        b.snapshot(name, d(6, 30), outstanding="100.00", days_late=n % 40)
        b.plan(name, proposed=d(5, 1), state="proposed", overdue="10.00")
        b.bonification(name, paid=d(6, 1), amount="10.00")
        b.rights(name, d(4, 1), {"ppa": "opened"})
        b.contact(at(d(3, 1)))
        if n % 3 == 0:
            b.claim(name, accelerated=d(6, 1), outstanding="50.00")


def test_query_count_does_not_grow(  # type: ignore[no-untyped-def]
    saint_etienne, bank, make_user, count_queries
) -> None:
    actor = make_user(Role.REFERENT, "ref-volume")

    def measure() -> int:
        return int(count_queries(lambda: bilan(organisation_ids=[saint_etienne.pk], period=PERIOD)))

    volume(saint_etienne, bank, actor, 5)
    small = measure()
    volume(saint_etienne, bank, actor, 20)
    large = measure()
    assert small == large
    assert small <= 40


def test_period_bounds_are_inclusive(saint_etienne, bank, make_user) -> None:  # type: ignore[no-untyped-def]
    """A dossier received on the last day and a loan disbursed on the first are counted."""
    actor = make_user(Role.REFERENT, "ref-bornes")
    b = Builder(saint_etienne, bank, actor)
    b.dossier("A", applied=d(6, 30), state="reception", path=path(("reception", (6, 30))))
    b.dossier("B", applied=d(12, 31, 2025), state="disbursed", path=[])
    b.loan("B", principal="400.00", months=10, disbursed=d(1, 1))
    figures = bilan(organisation_ids=[saint_etienne.pk], period=PERIOD)
    assert (figures.received, figures.disbursed_count) == (1, 1)
    one_day = bilan(organisation_ids=[saint_etienne.pk], period=Period(d(7, 1), d(7, 1)))
    assert (one_day.received, one_day.disbursed_count) == (0, 0)


def test_delay_histograms_the_same_on_both_paths(dataset, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    """The one-query histograms (PostgreSQL, SQLite) equal the per-stage queries any database
    can run: the same entry days, the same delays."""
    from microcredit.dossiers.models import Dossier
    from microcredit.reporting.selectors import (
        _delay_histograms_per_stage,
        _funnel_histograms,
        _furthest_per_dossier,
        _instant,
    )

    cohort = Dossier.objects.filter(
        organisation=saint_etienne, application_date__gte=PERIOD.start,
        application_date__lte=PERIOD.end,
    )  # fmt: skip
    until = _instant(date(2026, 7, 1))
    furthest, one_query = _funnel_histograms(cohort, until, "Europe/Paris")
    assert one_query == _delay_histograms_per_stage(cohort, until)
    assert furthest == _furthest_per_dossier(cohort, until)
    # Furthest stage: none (received only) D13 D15; diagnosis D12 D14; instruction D11;
    # committee D9 D10; transmitted D8; granted D7 (disbursed after the period); disbursed
    # D1–D6 and D16.
    assert furthest == {0: 2, 1: 2, 2: 1, 3: 2, 4: 1, 5: 1, 6: 7}
    # Committee → transmitted (stage 4): 3 5 7 7 8 8 9 19 (test_funnel_median_delays).
    assert one_query[4] == {3: 1, 5: 1, 7: 2, 8: 2, 9: 1, 19: 1}
