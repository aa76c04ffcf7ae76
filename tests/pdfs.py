"""Reading back the PDFs the application writes (pypdf, a test dependency)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, joined; raises when `content` is not a PDF."""
    assert content.startswith(b"%PDF-"), "not a PDF"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
