"""Write the French catalogue's plural entries from the English catalogue.

The source texts are French, so French needs no translation, except for plurals: a msgid
missing from every French catalogue falls back to gettext's « n == 1 » rule and « 0 enfants »
shows, where French says « 0 enfant » (``plural=(n > 1)``). ``fr/LC_MESSAGES/django.po`` holds
only the plural entries (msgid_plural), each one translated by itself: ``msgstr[0]`` is the
msgid, ``msgstr[1]`` the msgid_plural.

After ``makemessages -l en`` (see docs/translations.md), from the project root::

    .venv/bin/python microcredit/locale/fr_plurals.py          # rewrites the French catalogue
    .venv/bin/python microcredit/locale/fr_plurals.py --check  # exit 1 if it is out of date

Standard library only: a small reader of the .po files that makemessages writes.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
ENGLISH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
FRENCH = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"

HEADER = """\
# French catalogue: only the plural entries, so that French counts 0 as singular.
# Written by microcredit/locale/fr_plurals.py from the English catalogue: do not edit by hand.
msgid ""
msgstr ""
"Project-Id-Version: microcredit-social\\n"
"PO-Revision-Date: 2026-12-06 18:00+0100\\n"
"Last-Translator: microcredit-social developers\\n"
"Language-Team: French\\n"
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""


@dataclass
class Entry:
    """One entry of a .po file (obsolete « #~ » entries are not read)."""

    comments: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[n] for n in sorted(self.msgstr_plural)]


def parse(text: str) -> list[Entry]:
    """The entries of a .po file, its header (msgid "") included."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] = ("", 0)
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current.msgid is not None:
                entries.append(current)
            current = Entry()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            current.flags += [flag.strip() for flag in line[2:].split(",") if flag.strip()]
        elif line.startswith("#"):
            current.comments.append(raw)
        elif line.startswith('"'):
            _append(current, target, _unquote(line))
        else:
            keyword, _, rest = line.partition(" ")
            if keyword.startswith("msgstr["):
                target = ("msgstr_plural", int(keyword[len("msgstr[") : -1]))
            else:
                target = (keyword, 0)
            _append(current, target, _unquote(rest), start=True)
    return entries


def _unquote(quoted: str) -> str:
    value = ast.literal_eval(quoted)
    if not isinstance(value, str):
        raise ValueError(f"not a quoted string: {quoted}")
    return value


def _append(entry: Entry, target: tuple[str, int], text: str, start: bool = False) -> None:
    name, index = target
    if name == "msgstr_plural":
        entry.msgstr_plural[index] = ("" if start else entry.msgstr_plural[index]) + text
    elif name in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
        previous = "" if start else (getattr(entry, name) or "")
        setattr(entry, name, previous + text)
    else:
        raise ValueError(f"unknown keyword: {name}")


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    return '"' + escaped.replace("\n", "\\n") + '"'


def french_plurals(english: list[Entry]) -> str:
    """The French catalogue: each plural entry of the English one, the French as translation."""
    blocks = [HEADER]
    for entry in english:
        if entry.msgid_plural is None or entry.msgid is None:
            continue
        # No « #: » references: their line numbers move with every template edit.
        lines = []
        flags = [flag for flag in entry.flags if flag != "fuzzy"]
        if flags:
            lines.append("#, " + ", ".join(flags))
        if entry.msgctxt is not None:
            lines.append("msgctxt " + _quote(entry.msgctxt))
        lines += [
            "msgid " + _quote(entry.msgid),
            "msgid_plural " + _quote(entry.msgid_plural),
            "msgstr[0] " + _quote(entry.msgid),
            "msgstr[1] " + _quote(entry.msgid_plural),
        ]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def main(argv: list[str]) -> int:
    expected = french_plurals(parse(ENGLISH.read_text(encoding="utf-8")))
    if "--check" in argv:
        current = FRENCH.read_text(encoding="utf-8") if FRENCH.exists() else ""
        if current != expected:
            sys.stderr.write(f"{FRENCH} is out of date: run {Path(__file__).name}\n")
            return 1
        return 0
    FRENCH.parent.mkdir(parents=True, exist_ok=True)
    FRENCH.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
