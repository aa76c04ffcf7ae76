"""The French sentences (translatable) built from the dossier rules' data: the eligibility
banner and the warnings on a loan asked for outside the scheme's bounds."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from microcredit.core.formatting import format_eur
from microcredit.dossiers.rules import EligibilityTally, RequestWarning, RequestWarningKind

AMOUNT_NOT_POSITIVE = gettext_lazy("Le montant demandé doit être positif.")


def _names(labels: tuple[str, ...]) -> str:
    """« montant, durée »: the criteria's labels, lower-cased, in the check's order."""
    return ", ".join(label[:1].lower() + label[1:] for label in labels)


def eligibility_headline(tally: EligibilityTally) -> str:
    """« 7 critères remplis sur 7 », « 2 critères non remplis sur 7 : montant, durée », and
    those still to complete."""
    total = tally.total
    if tally.failed:
        n = len(tally.failed)
        text = ngettext(
            "%(n)d critère non rempli sur %(total)d : %(names)s",
            "%(n)d critères non remplis sur %(total)d : %(names)s",
            n,
        ) % {"n": n, "total": total, "names": _names(tally.failed)}
    else:
        text = ngettext(
            "%(n)d critère rempli sur %(total)d",
            "%(n)d critères remplis sur %(total)d",
            tally.met,
        ) % {"n": tally.met, "total": total}
    if tally.incomplete:
        text += _(" ; %(n)d à compléter : %(names)s") % {
            "n": len(tally.incomplete),
            "names": _names(tally.incomplete),
        }
    return text


def _months(n: int) -> str:
    return ngettext("%(n)d mensualité", "%(n)d mensualités", n) % {"n": n}


def request_warning_text(warning: RequestWarning) -> str:
    """« 5 000,00 € dépasse le plafond du dispositif (3 000,00 €). »"""
    K = RequestWarningKind
    value, bound = warning.value, warning.bound
    if warning.kind == K.AMOUNT_ABOVE:
        return _("%(value)s dépasse le plafond du dispositif (%(bound)s).") % {
            "value": format_eur(Decimal(value)),
            "bound": format_eur(Decimal(bound)),
        }
    if warning.kind == K.AMOUNT_BELOW:
        return _("%(value)s est sous le montant minimal du dispositif (%(bound)s).") % {
            "value": format_eur(Decimal(value)),
            "bound": format_eur(Decimal(bound)),
        }
    if warning.kind == K.MONTHS_ABOVE:
        return _(
            "La durée demandée (%(value)s) dépasse la durée maximale du dispositif (%(bound)s)."
        ) % {"value": _months(int(value)), "bound": _months(int(bound))}
    if warning.kind == K.MONTHS_BELOW:
        return _(
            "La durée demandée (%(value)s) est sous la durée minimale du dispositif (%(bound)s)."
        ) % {"value": _months(int(value)), "bound": _months(int(bound))}
    return _(
        "Le différé demandé (%(value)d mois) dépasse le différé maximal du dispositif "
        "(%(bound)d mois)."
    ) % {"value": value, "bound": bound}
