"""Refusals the services raise (no web import here: services and views both use it)."""

from __future__ import annotations


class Refused(Exception):
    """An action refused as a whole; `messages` are French sentences for the person.

    The base of the refusals that are not about one field (a dossier move the workflow
    forbids, a closed session…); a `ValidationError` is the one about fields.
    """

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


class TransitionRefused(Refused):
    """A dossier move the workflow table or its preconditions do not allow."""
