"""Reading back the PDFs the application writes (pypdf, a test dependency)."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, joined; raises when `content` is not a PDF."""
    assert content.startswith(b"%PDF-"), "not a PDF"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@dataclass(frozen=True)
class PdfAccessibility:
    """What a PDF declares for assistive technologies (PDF/UA)."""

    marked: bool  # /MarkInfo /Marked true: a tagged PDF
    structure: tuple[str, ...]  # the structure tree's types, in document order ("Document", "H1"…)
    lang: str  # the catalog's /Lang
    title: str  # the document information's /Title
    xmp_title: str  # dc:title of the XMP metadata
    ua_part: str  # pdfuaid:part of the XMP metadata ("1" for PDF/UA-1), "" when none
    display_doc_title: bool  # /ViewerPreferences /DisplayDocTitle true
    author: str

    @property
    def headings(self) -> tuple[int, ...]:
        """The levels of the headings (H1…H6), in document order."""
        return tuple(int(s[1]) for s in self.structure if re.fullmatch(r"H[1-6]", s))


def _structure(node: Any) -> list[str]:
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, ArrayObject):
        return [s for child in node for s in _structure(child)]
    if not isinstance(node, DictionaryObject) or "/S" not in node:
        return []  # a marked-content id or an annotation's reference: no structure element
    return [str(node["/S"]).lstrip("/"), *_structure(node.get("/K", ArrayObject()))]


def pdf_accessibility(content: bytes) -> PdfAccessibility:
    """What `content` (a PDF) declares for accessibility; raises when it is not a PDF."""
    assert content.startswith(b"%PDF-"), "not a PDF"
    reader = PdfReader(io.BytesIO(content))
    catalog: Any = reader.trailer["/Root"].get_object()  # pypdf types its values loosely
    info: dict[str, Any] = dict(reader.metadata or {})
    xmp = reader.xmp_metadata
    xmp_raw = (
        catalog["/Metadata"].get_object().get_data().decode() if "/Metadata" in catalog else ""
    )
    ua_part = re.search(r'pdfuaid:part(?:="|>)(\d)', xmp_raw)
    tree = catalog.get("/StructTreeRoot")
    return PdfAccessibility(
        marked=bool(catalog.get("/MarkInfo", {}).get("/Marked", False)),
        structure=tuple(_structure(tree.get_object()["/K"])) if tree else (),
        lang=str(catalog.get("/Lang", "")),
        title=str(info.get("/Title", "")),
        xmp_title=str((xmp.dc_title or {}).get("x-default", "")) if xmp else "",
        ua_part=ua_part.group(1) if ua_part else "",
        display_doc_title=bool(
            catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)
        ),
        author=str(info.get("/Author", "")),
    )


def assert_accessible(content: bytes, *, title: str) -> PdfAccessibility:
    """`content` is a tagged PDF/UA-1 document in French titled `title`, whose headings start
    at H1 and skip no level; returns what it declares for further checks."""
    found = pdf_accessibility(content)
    assert found.marked, "not tagged: no /MarkInfo /Marked true"
    assert found.structure[:1] == ("Document",), found.structure[:5]
    assert {"P", "H1"} <= set(found.structure), found.structure
    assert found.ua_part == "1", "no pdfuaid:part 1 in the XMP metadata"
    assert found.lang == "fr"
    assert found.title == title and found.xmp_title == title, (found.title, found.xmp_title)
    assert found.display_doc_title, "readers would show the file name, not the title"
    levels = found.headings
    assert levels[0] == 1, levels
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    return found
