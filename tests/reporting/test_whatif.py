"""What-if for recalibration (issue #16, point 7): a draft of the parameters replayed on the past
demand beside the parameters in force, nothing saved.

The data set: Saint-Étienne's scheme (300–3000 €, 3–36 months, 1.75 %, territory 42218) and a
dozen dossiers whose fate under each parameter set is known by construction. The draft lowers the
maximum amount to 2000 € and the maximum duration to 24 months, adds Firminy (42095) to the
territory and takes the rate to 1.5 %.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loan_engine import build_schedule, loan_terms
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.reporting import whatif
from microcredit.reporting.rules import Period
from tests.factories import make_applicant, make_dossier
from tests.programmes.onboarding_helpers import onboard_firminy

pytestmark = pytest.mark.django_db

URL = reverse("reporting:whatif")
TERRITORY = "42218 : 42000, 42100\n42095 : 42700"


@pytest.fixture
def programme(saint_etienne: Organisation) -> Programme:
    return saint_etienne.programmes.get()


@pytest.fixture
def version(programme: Programme) -> ProgrammeVersion:
    found = programme.versions.get()
    assert (found.max_amount, found.max_months, found.nominal_rate_percent) == (
        Decimal("3000.00"),
        36,
        Decimal("1.750"),
    )
    return found


@pytest.fixture
def director(client_for: Callable[..., Client]) -> Client:
    return client_for(Role.DIRECTOR)


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def ask(
    user: User,
    amount: str | None,
    months: int | None,
    *,
    when: int = 30,
    firminy_resident: bool = False,
    **overrides: Any,
) -> Dossier:
    """A Saint-Étienne dossier received `when` days ago, asking `amount` over `months`."""
    applicant = None
    if firminy_resident:
        applicant = make_applicant(
            organisation=Organisation.objects.get(slug="ccas-saint-etienne"),
            created_by=user,
            postcode="42700",
            commune_code="42095",
            commune_name="Firminy",
        )
    return make_dossier(
        created_by=user,
        applicant=applicant,
        application_date=days_ago(when),
        requested_amount=Decimal(amount) if amount is not None else None,
        requested_months=months,
        **overrides,
    )


@pytest.fixture
def demand(director: Client, version: ProgrammeVersion) -> dict[str, Dossier]:
    user = director.user  # type: ignore[attr-defined]
    return {
        "A": ask(user, "1200.00", 24),  # eligible under both
        "B": ask(user, "2500.00", 24, when=60),  # above the draft's 2000 €
        "C": ask(user, "1000.00", 30, when=90),  # longer than the draft's 24 months
        "D": ask(user, "2800.00", 36, when=120),  # both
        "E": ask(user, "1500.00", 12, firminy_resident=True),  # outside, then inside
        "F": ask(user, "5000.00", 12),  # above both maxima
        "J": ask(  # a deferral, eligible under both
            user,
            "600.00",
            12,
            requested_deferral_months=3,
            requested_deferral_kind="capitalised",
        ),
        # Not in the replay: before the period, no amount asked.
        "old": ask(user, "1200.00", 24, when=400),
        "no_amount": ask(user, None, None),
    }


def draft_query(version: ProgrammeVersion, **changes: str) -> dict[str, str]:
    """The draft form as the browser sends it: the version in force, with `changes`."""
    data = {
        "programme": str(version.programme_id),
        "start": days_ago(364).isoformat(),
        "end": timezone.localdate().isoformat(),
        "min_amount": str(version.min_amount),
        "max_amount": str(version.max_amount),
        "min_months": str(version.min_months),
        "max_months": str(version.max_months),
        "nominal_rate_percent": str(version.nominal_rate_percent),
        "max_deferral_months": str(version.max_deferral_months),
        "allow_interest_only_deferral": "on",
        "allow_capitalised_deferral": "on",
        "territory": "42218 : 42000, 42100",
    }
    data.update(changes)
    return data


def the_draft(version: ProgrammeVersion) -> dict[str, Any]:
    query: dict[str, Any] = draft_query(
        version,
        max_amount="2000",
        max_months="24",
        nominal_rate_percent="1.5",
        territory=TERRITORY,
    )
    query["purposes"] = [p["code"] for p in version.purposes]
    return query


def engine(amount: str, months: int, rate: str, deferral: int = 0, kind: str = "none") -> Any:
    return build_schedule(
        loan_terms(
            principal=Decimal(amount),
            months=months,
            disbursement_date=timezone.localdate(),
            rate_percent=Decimal(rate),
            deferral_months=deferral,
            deferral_kind=kind,
        )
    )


def installment_by_hand(amount: str, months: int, rate_percent: str) -> Decimal:
    """LOAN_CONVENTIONS: A = P·i / (1 − (1+i)^−n), i = rate/12, half-up to the cent."""
    with localcontext() as ctx:
        ctx.prec = 50
        i = Decimal(rate_percent) / 100 / 12
        a = Decimal(amount) * i / (1 - (1 + i) ** -months)
    return a.quantize(Decimal("0.01"), ROUND_HALF_UP)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# --- The replay ------------------------------------------------------------------------------


def test_the_draft_excludes_and_includes_the_known_dossiers(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    response = director.get(URL, the_draft(version))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.dossiers == 7  # A B C D E F J: not the old one, not the one without amount
    assert comparison.actual.eligible == 5  # A B C D J
    assert comparison.draft.eligible == 3  # A E J
    assert comparison.eligible_difference == -2

    excluded = {c.number: [k.label for k in c.criteria] for c in comparison.excluded}
    assert excluded == {
        demand["B"].number: ["Montant"],
        demand["C"].number: ["Durée"],
        demand["D"].number: ["Montant", "Durée"],
    }
    assert comparison.excluded_count == 3
    assert [c.number for c in comparison.included] == [demand["E"].number]
    assert [k.label for k in comparison.included[0].criteria] == ["Territoire"]
    assert "42095" in comparison.included[0].criteria[0].reason

    # Refusals by criterion: F's amount under both, E's territory under the parameters in force.
    assert {(r.label, r.count) for r in comparison.actual.refusals} == {
        ("Territoire", 1),
        ("Montant", 1),
    }
    assert {(r.label, r.count) for r in comparison.draft.refusals} == {
        ("Montant", 3),  # B D F
        ("Durée", 2),  # C D
    }

    body = response.content.decode()
    for key in ("B", "C", "D", "E"):
        url = reverse("dossiers:detail", args=[demand[key].pk])
        assert f'href="{url}"' in body
    assert demand["A"].number not in body  # eligible under both: in no list
    assert "Créer une nouvelle version avec ces paramètres" in body


def test_the_figures_come_from_the_loan_engine_at_each_rate(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    comparison = director.get(URL, the_draft(version)).context["comparison"]

    # One loan checked against the convention's formula: A, 1200 € over 24 months at 1.75 %.
    a_now = engine("1200.00", 24, "1.75")
    assert a_now.installment == installment_by_hand("1200.00", 24, "1.75") == Decimal("50.92")
    a_draft = engine("1200.00", 24, "1.5")
    assert a_draft.installment == installment_by_hand("1200.00", 24, "1.5")

    actual_loans = [
        a_now,
        engine("2500.00", 24, "1.75"),
        engine("1000.00", 30, "1.75"),
        engine("2800.00", 36, "1.75"),
        engine("600.00", 12, "1.75", 3, "capitalised"),
    ]
    draft_loans = [
        a_draft,
        engine("1500.00", 12, "1.5"),
        engine("600.00", 12, "1.5", 3, "capitalised"),
    ]

    assert comparison.actual.requested_amount == Decimal("8100.00")  # 1200+2500+1000+2800+600
    assert comparison.draft.requested_amount == Decimal("3300.00")  # 1200+1500+600
    assert comparison.actual.total_installment == sum(s.installment for s in actual_loans)
    assert comparison.draft.total_installment == sum(s.installment for s in draft_loans)
    assert comparison.actual.total_interest == sum(s.total_interest for s in actual_loans)
    assert comparison.draft.total_interest == sum(s.total_interest for s in draft_loans)
    assert comparison.draft.average_installment == (
        sum(s.installment for s in draft_loans) / 3
    ).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert comparison.draft.average_amount == Decimal("1100.00")
    # The capitalised deferral grows the balance: J's interest is above the same loan's without.
    assert draft_loans[2].total_interest > engine("600.00", 12, "1.5").total_interest


def test_the_parameters_in_force_replayed_change_nothing(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    query: dict[str, Any] = draft_query(version)
    query["purposes"] = [p["code"] for p in version.purposes]
    comparison = director.get(URL, query).context["comparison"]
    assert comparison.actual == comparison.draft
    assert comparison.excluded_count == comparison.included_count == 0


def test_an_unchecked_purpose_excludes_its_dossiers(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    query: dict[str, Any] = draft_query(version)
    query["purposes"] = [p["code"] for p in version.purposes if p["code"] != "mobilite"]
    comparison = director.get(URL, query).context["comparison"]
    # Every dossier of the factory is a driving licence (mobilité): all five leave.
    assert comparison.draft.eligible == 0
    assert comparison.excluded_count == 5
    assert {k.label for c in comparison.excluded for k in c.criteria} == {"Projet"}


def test_the_page_starts_from_the_version_in_force_over_the_last_12_months(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    response = director.get(URL)
    assert response.status_code == 200
    assert "comparison" not in response.context
    form = response.context["form"]
    assert form.initial["max_amount"] == Decimal("3000.00")
    assert form.initial["max_months"] == 36
    assert form.initial["purposes"] == [p["code"] for p in version.purposes]
    assert form.initial["territory"] == "42218 : 42000, 42100"
    today = timezone.localdate()
    assert form.initial["end"] == today
    assert (today - form.initial["start"]).days in (364, 365)  # 12 months, both ends included
    body = response.content.decode()
    assert 'method="get"' in body
    assert 'value="3000.00"' in body


def test_the_lists_are_bounded(
    director: Client,
    version: ProgrammeVersion,
    demand: dict[str, Dossier],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whatif, "LIST_LIMIT", 2)
    response = director.get(URL, the_draft(version))
    comparison = response.context["comparison"]
    assert len(comparison.excluded) == 2
    assert comparison.excluded_count == 3
    assert comparison.excluded_more == 1
    assert "et 1 autre dossier" in response.content.decode()


def test_too_many_dossiers_ask_for_a_shorter_period(
    director: Client,
    version: ProgrammeVersion,
    demand: dict[str, Dossier],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whatif, "MAX_REPLAYED", 3)
    response = director.get(URL, the_draft(version))
    assert "comparison" not in response.context
    assert "raccourcissez-la" in response.context["form"].errors["start"][0]


# --- Invalid drafts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"min_amount": "2500", "max_amount": "2000"},
            "max_amount",
            "Le montant maximal doit être supérieur ou égal au montant minimal.",
        ),
        (
            {"min_months": "30", "max_months": "24"},
            "max_months",
            "La durée maximale doit être supérieure ou égale à la durée minimale.",
        ),
        ({"nominal_rate_percent": "-1"}, "nominal_rate_percent", "un taux négatif"),
        ({"nominal_rate_percent": "30"}, "nominal_rate_percent", "seuil de l'usure"),
        ({"territory": "99999 : 42000"}, "territory", "inconnu"),
        ({"territory": ""}, "territory", "au moins une commune"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "end", "doit suivre son début"),
        ({"max_amount": "beaucoup"}, "max_amount", "nombre"),
        ({"max_months": "1199"}, "max_months", "1\u202f200 mois"),
    ],
)
def test_an_invalid_draft_is_refused_in_french_with_no_replay(
    director: Client,
    version: ProgrammeVersion,
    demand: dict[str, Dossier],
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    query: dict[str, Any] = draft_query(version, **changes)
    query["purposes"] = ["mobilite"]
    response = director.get(URL, query)
    assert response.status_code == 200
    assert "comparison" not in response.context
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert "Créer une nouvelle version" not in response.content.decode()


def test_no_purpose_checked_is_refused(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    response = director.get(URL, draft_query(version))
    assert "comparison" not in response.context
    assert response.context["form"].errors["purposes"] == ["Cochez au moins un projet éligible."]


def test_the_usury_message_names_the_taeg_and_the_threshold(version: ProgrammeVersion) -> None:
    draft = whatif.draft_version(
        version, {"nominal_rate_percent": Decimal("30"), "max_amount": Decimal("3000.00")}
    )
    message = whatif.usury_problem(draft, date(2026, 6, 1))
    assert message is not None
    assert "23,56\u00a0%" in message  # the 2026 threshold of loans up to 3000 €
    assert whatif.usury_problem(version, date(2026, 6, 1)) is None


# --- Nothing saved, who may see -------------------------------------------------------------


def test_nothing_is_saved(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    director.get(URL)  # the session settles before counting
    before = row_counts()
    assert director.get(URL, the_draft(version)).status_code == 200
    assert director.get(URL, draft_query(version, max_amount="1")).status_code == 200
    assert director.get(URL).status_code == 200
    assert row_counts() == before
    assert ProgrammeVersion.objects.filter(programme=version.programme).count() == 1


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.ADMIN, Role.BANK_ADVISER])
def test_only_the_director_may_simulate(
    client_for: Callable[..., Client], version: ProgrammeVersion, role: Role
) -> None:
    assert client_for(role).get(URL, the_draft(version)).status_code == 403


def test_anonymous_people_are_sent_to_the_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302


def test_another_organisation_sees_nothing_of_saint_etienne(
    client_for: Callable[..., Client],
    director: Client,
    version: ProgrammeVersion,
    demand: dict[str, Dossier],
) -> None:
    firminy = onboard_firminy()
    # A dossier of Firminy's organisation that (wrongly) names Saint-Étienne's scheme: the
    # replay filters on the organisation too.
    user = director.user  # type: ignore[attr-defined]
    stray = make_dossier(
        created_by=user,
        organisation=firminy,
        applicant=make_applicant(organisation=firminy, created_by=user),
        application_date=days_ago(10),
        requested_amount=Decimal("1000.00"),
        requested_months=12,
    )
    comparison = director.get(URL, the_draft(version)).context["comparison"]
    assert comparison.dossiers == 7
    assert stray.number not in director.get(URL, the_draft(version)).content.decode()

    other = client_for(Role.DIRECTOR, username="direction-firminy", organisation=firminy)
    assert other.get(URL, {"programme": version.programme_id}).status_code == 404
    assert other.get(URL, the_draft(version)).status_code == 404
    own = other.get(URL)
    assert own.status_code == 200
    assert own.context["programme"].organisation_id == firminy.pk
    assert [p.organisation_id for p in own.context["programmes"]] == [firminy.pk]


def test_a_second_scheme_is_chosen_with_a_select(
    director: Client, programme: Programme, version: ProgrammeVersion
) -> None:
    second = Programme.objects.create(
        organisation=programme.organisation, name="Autre dispositif", slug="autre"
    )
    copy = whatif.draft_version(version, {"max_amount": Decimal("1500.00")})
    copy.programme = second
    copy.save()
    page = director.get(URL)
    assert 'name="programme" id="whatif-programme"' in page.content.decode()
    chosen = director.get(URL, {"programme": second.pk})
    assert chosen.context["programme"] == second
    assert chosen.context["form"].initial["max_amount"] == Decimal("1500.00")
    assert director.get(URL, {"programme": "x"}).status_code == 404


# --- Creating the version ---------------------------------------------------------------------


def test_the_link_prefills_the_new_version_form(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    query = the_draft(version)
    del query["allow_capitalised_deferral"]  # unchecked
    response = director.get(URL, query)
    create_url = response.context["create_url"]
    assert create_url.startswith(reverse("programmes:version_create", args=[version.programme_id]))

    form = director.get(create_url).context["form"]
    assert form.initial["max_amount"] == "2000.00"
    assert form.initial["max_months"] == "24"
    assert form.initial["nominal_rate_percent"] == "1.500"
    assert form.initial["allow_interest_only_deferral"] is True
    assert form.initial["allow_capitalised_deferral"] is False
    assert form.initial["territory_text"] == TERRITORY
    assert form.initial["purposes_text"].splitlines()[1].startswith("Mobilité : ")
    # Fields the draft does not hold keep the latest version's values.
    assert form.initial["guarantor_name"] == version.guarantor_name
    assert ProgrammeVersion.objects.filter(programme=version.programme).count() == 1


# --- Queries --------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_demand(
    director: Client,
    version: ProgrammeVersion,
    demand: dict[str, Dossier],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    query = the_draft(version)
    small = count_queries(lambda: director.get(URL, query))
    user = director.user  # type: ignore[attr-defined]
    for n in range(30):
        ask(user, f"{500 + 100 * (n % 25)}.00", 6 + n % 30, when=1 + n)
    large = count_queries(lambda: director.get(URL, query))
    assert director.get(URL, query).context["comparison"].dossiers == 37
    assert large == small


def test_the_replay_reads_the_demand_in_one_query(
    version: ProgrammeVersion,
    demand: dict[str, Dossier],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    draft = whatif.draft_version(version, {"max_amount": Decimal("2000.00")})
    period = Period(days_ago(364), timezone.localdate())
    results: list[Any] = []
    queries = count_queries(
        lambda: results.append(
            whatif.replay(
                organisation_id=version.programme.organisation_id,
                programme_id=version.programme_id,
                period=period,
                actual=version,
                draft=draft,
            )
        )
    )
    assert queries == 1
    assert results[0].excluded_count == 2  # B and D: above 2000 €
    assert draft.pk is None


def test_the_page_shows_both_parameter_sets_side_by_side(
    director: Client, version: ProgrammeVersion, demand: dict[str, Dossier]
) -> None:
    query = the_draft(version)
    del query["allow_capitalised_deferral"]
    body = director.get(URL, query).content.decode()
    assert "<td>Saint-Étienne</td>" in body
    assert "<td>Saint-Étienne, Firminy</td>" in body
    assert "3\u202f000,00\u00a0€" in body and "2\u202f000,00\u00a0€" in body
    assert "partiel et total" in body
    # Without the capitalised deferral, J (3 months capitalised) leaves too.
    assert "(-3)" in body
    assert "Ce type de différé n&#x27;est pas prévu par le dispositif." in body
