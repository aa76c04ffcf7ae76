"""HTML templates rendered to PDF with WeasyPrint (letters, commission summaries, minutes).

Templates carry their CSS inline; images (the organisation's logo) come as `data:` URIs. The
renderer fetches nothing else: no file, no network, whatever a template or a text typed by a
user contains.

Every PDF is tagged PDF/UA-1 (accessibility, RGAA): a structure tree built from the HTML
(headings, paragraphs, tables with their headers, lists, figures), `/MarkInfo /Marked true`,
the document's language from `<html lang>` and its title from `<title>`, shown by readers in
place of the file name (`/DisplayDocTitle`). A template therefore needs `<html lang="fr">`, a
`<title>` that names the document (and the dossier or the session), headings that start at
`<h1>` and skip no level, and an `alt` on every image: WeasyPrint logs an error otherwise.
"""

from __future__ import annotations

import base64
from typing import Any

from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

PDF_VARIANT = "pdf/ua-1"  # tagged, with its language and title (WeasyPrint sets pdf_tags)

LOGO_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"<svg": "image/svg+xml"}


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The template rendered to a PDF document (bytes)."""
    import weasyprint  # imported here: pango loads only for the processes that write PDFs

    html = render_to_string(template_name, context)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=PDF_VARIANT)  # type: ignore[no-any-return]


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
