"""Management commands that answer in French: argparse's own (English) errors translated, on
stderr with exit code 2 from the command line, as a ``CommandError`` from ``call_command``."""

from __future__ import annotations

import re
import sys
from typing import NoReturn

from django.core.management.base import CommandError, CommandParser

EXIT_INVALID = 2

_ARGPARSE_MESSAGES = (
    (
        re.compile(r"the following arguments are required: (.+)"),
        "option obligatoire manquante : {0}.",
    ),
    (re.compile(r"unrecognized arguments: (.+)"), "option inconnue : {0}."),
    (re.compile(r"argument (\S+): expected one argument"), "l'option {0} attend une valeur."),
    (
        re.compile(r"argument (\S+): ignored explicit argument (.+)"),
        "l'option {0} ne prend pas de valeur ({1}).",
    ),
    (re.compile(r"ambiguous option: (\S+)"), "option ambiguë : {0}."),
)


def french_argparse_message(message: str) -> str:
    """argparse's English error ``message`` as a French sentence."""
    for pattern, template in _ARGPARSE_MESSAGES:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    return f"arguments invalides ({message})."


def answer_in_french(parser: CommandParser, command: str) -> CommandParser:
    """Make ``parser``'s errors French: « Erreur : … Aide : microcredit <command> --help », on
    stderr with exit code 2 from the command line, a ``CommandError`` (return code 2)
    otherwise. Call it from ``BaseCommand.create_parser``."""
    from_command_line = parser.called_from_command_line

    def error(message: str) -> NoReturn:
        french = f"Erreur : {french_argparse_message(message)} Aide : microcredit {command} --help"
        if from_command_line:
            sys.stderr.write(f"{french}\n")
            sys.exit(EXIT_INVALID)
        raise CommandError(french, returncode=EXIT_INVALID)

    parser.error = error  # type: ignore[method-assign]
    return parser
