"""The extension points between layers: every hook a lower app declares is plugged in."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.core.exceptions import ImproperlyConfigured

import microcredit
from microcredit.core import hooks
from microcredit.core.hooks import Listeners, Provider


def _import_every_hooks_module() -> list[str]:
    names = []
    for app in pkgutil.iter_modules(microcredit.__path__):
        try:
            importlib.import_module(f"microcredit.{app.name}.hooks")
        except ModuleNotFoundError as error:
            if error.name != f"microcredit.{app.name}.hooks":
                raise
            continue
        names.append(app.name)
    return names


def test_every_declared_hook_is_provided_by_an_installed_app() -> None:
    apps = _import_every_hooks_module()
    assert {"applicants", "budgets", "dossiers", "servicing"} <= set(apps)
    unplugged = [hook.name for hook in hooks.DECLARED if not hook.provided]
    assert unplugged == []


def test_each_hook_is_plugged_by_the_app_that_owns_the_answer_or_the_consequence() -> None:
    from microcredit.api import webhooks
    from microcredit.applicants import hooks as applicant_hooks
    from microcredit.budgets import hooks as budget_hooks
    from microcredit.documents import selectors as documents
    from microcredit.dossiers import hooks as dossier_hooks
    from microcredit.dossiers import services as dossiers
    from microcredit.letters import handlers as letters
    from microcredit.loans import handlers as loans
    from microcredit.rights import selectors as rights
    from microcredit.servicing import handlers as servicing
    from microcredit.servicing import hooks as servicing_hooks

    assert dossier_hooks.missing_document_labels.function is documents.missing_document_labels
    assert dossier_hooks.consent_document_exists.function is documents.consent_document_exists
    assert dossier_hooks.loan_fully_repaid.function is loans.loan_fully_repaid
    assert dossier_hooks.closing_blockers.function is servicing.closing_blockers
    assert loans.loan_follows_dossier_end in dossier_hooks.transitioned
    assert letters.letter_after_decision in dossier_hooks.transitioned
    assert webhooks.webhooks_after_transition in dossier_hooks.transitioned
    assert letters.letter_after_servicing in servicing_hooks.letter_due
    assert dossiers.dossier_eligibility_reset_for_applicant in applicant_hooks.applicant_changed
    assert budget_hooks.rsa_base_amount_for.function is rights.rsa_base_amount_for


def test_an_unprovided_hook_is_a_configuration_error_in_french() -> None:
    hook: Provider[[int], int] = Provider("essai.sans_fournisseur")
    try:
        with pytest.raises(ImproperlyConfigured, match="n'est fourni par aucune application"):
            hook(1)
        hook.provide(lambda n: n + 1)
        assert hook(1) == 2
        with pytest.raises(ImproperlyConfigured, match="déjà fourni"):
            hook.provide(lambda n: n)
    finally:
        hooks.DECLARED.remove(hook)


def test_listeners_are_called_in_order_and_connected_once() -> None:
    heard: list[str] = []
    event: Listeners[[str]] = Listeners("essai.evenement")
    try:

        def first(value: str) -> None:
            heard.append(f"1:{value}")

        def second(value: str) -> None:
            heard.append(f"2:{value}")

        event.connect(first)
        event.connect(second)
        event.connect(first)  # a second ready() does not call it twice
        event.send("x")
        assert heard == ["1:x", "2:x"]
    finally:
        hooks.DECLARED.remove(event)
