"""HTML templates rendered to PDF with WeasyPrint (letters, commission summaries, minutes).

Templates carry their CSS inline; images (the organisation's logo) come as `data:` URIs. The
renderer fetches nothing else: no file, no network, whatever a template or a text typed by a
user contains.
"""

from __future__ import annotations

import base64
from typing import Any

from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

LOGO_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"<svg": "image/svg+xml"}


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The template rendered to a PDF document (bytes)."""
    import weasyprint  # imported here: pango loads only for the processes that write PDFs

    html = render_to_string(template_name, context)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()  # type: ignore[no-any-return]


def logo_data_uri(logo: FieldFile | None) -> str:
    """A stored logo (an organisation's) as a `data:` URI for a PDF letterhead; "" when none."""
    if not logo:
        return ""
    try:
        with logo.open("rb") as handle:
            content = handle.read(2_000_000)
    except OSError:
        return ""
    head = content.lstrip()[:4]
    media = next((m for magic, m in LOGO_TYPES.items() if head.startswith(magic)), None)
    if media is None:
        return ""
    return f"data:{media};base64,{base64.b64encode(content).decode()}"
