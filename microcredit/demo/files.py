"""The demo's documents and the days of its dossiers' events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from microcredit.banking.models import BankDecision, Disbursement
from microcredit.commissions.models import AgendaItem
from microcredit.core.text import strip_accents
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Incident, Repayment


def demo_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII only), with a correct cross-reference table."""
    ascii_text = strip_accents(text, ascii_only=True)
    escaped = ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 60 780 Td ({escaped}) Tj ET".encode()
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def date_events(dossier: Dossier) -> None:
    """Put the dossier's steps on the days they would have happened, not the load's time, and
    the dossier's state since the last of them.

    The commission's decisions fall on their session's day, the bank's on the days the bank
    services were given; the other steps are spread evenly between the application day (or
    the decision before them) and the next decision (or now), so the timeline keeps its order.
    """
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("id"))
    known: dict[int, datetime] = {}
    for event_id, at in AgendaItem.objects.filter(dossier=dossier, event__isnull=False).values_list(
        "event_id", "decided_at"
    ):
        if at is not None:  # an item with its event is decided
            known[event_id] = at
    for event_id, at in BankDecision.objects.filter(
        dossier=dossier, event__isnull=False
    ).values_list("event_id", "decided_at"):
        known[event_id] = at
    disbursement = Disbursement.objects.filter(dossier=dossier).first()
    last_paid = Repayment.objects.filter(loan__dossier=dossier).aggregate(day=Max("date"))
    last_missed = Incident.objects.filter(loan__dossier=dossier).aggregate(day=Max("date"))
    now = timezone.now()
    for event in events:
        if event.transition == "disburse" and disbursement is not None:
            known[event.pk] = aware_at(disbursement.date, time(14, 0))
        elif event.transition == "record_repaid" and last_paid["day"]:
            known[event.pk] = min(aware_at(last_paid["day"] + timedelta(3), time(10, 0)), now)
        elif event.transition == "call_guarantee" and last_missed["day"]:
            known[event.pk] = min(
                aware_at(last_missed["day"] + timedelta(days=30), time(10, 0)), now
            )
    times: list[datetime | None] = [known.get(e.pk) for e in events]
    start = aware_at(dossier.application_date, time(9, 30))
    if times and times[0] is None:
        times[0] = start
    index = 0
    while index < len(times):
        if times[index] is not None:
            index += 1
            continue
        end = index
        while end < len(times) and times[end] is None:
            end += 1
        low = times[index - 1] or start
        high = times[end] if end < len(times) else now
        high = max(high or low, low)
        step = (high - low) / (end - index + 1)
        for k in range(index, end):
            times[k] = low + step * (k - index + 1)
        index = end
    for k in range(1, len(times)):  # never before the step it follows
        times[k] = max(times[k] or start, times[k - 1] or start)
    for event, at in zip(events, times, strict=True):
        if at is not None and at != event.at:
            DossierEvent.objects.filter(pk=event.pk).update(at=at)
            if event.to_state == DossierState.TRANSMITTED_TO_BANK:
                Dossier.objects.filter(pk=dossier.pk).update(bank_transmitted_at=at)
    # The dossier is in its state since its last step (the work queues order by it).
    changed = times[-1] if times and times[-1] is not None else start
    Dossier.objects.filter(pk=dossier.pk).update(created_at=start, state_changed_at=changed)


def aware_at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))
