"""Extension points: how a lower app asks something of a higher one without importing it.

The apps are layered (docs/architecture.md): an app imports only the apps below it. Sometimes a
lower app needs a fact that a higher app owns (the dossier's workflow needs to know whether the
pieces are filed, which the documents app knows), or a move in a lower app has consequences in a
higher one (a commission decision writes a letter). The lower app declares a hook in its own
`hooks.py`; the higher app plugs its function in, once, in its `AppConfig.ready()`.

- `Provider`: exactly one function answers (a fact). Calling an unprovided hook raises
  ImproperlyConfigured: a missing app is a configuration error, never a silent default.
- `Listeners`: every connected function is called, in the order the apps are installed, inside
  the caller's transaction (a listener that must wait for the commit uses `on_commit` itself).
  An event nobody listens to does nothing: `tests/core/test_hooks.py` names who must listen.

Nothing is discovered by magic: `tests/core/test_hooks.py` checks that every hook declared in
the project is provided or listened to, and which function of which app is plugged where.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured

P = ParamSpec("P")
R = TypeVar("R")


class _Declared(Protocol):
    name: str

    @property
    def provided(self) -> bool: ...


# Every hook declared by an app, for the test that checks each one is plugged in.
DECLARED: list[_Declared] = []


class Provider(Generic[P, R]):
    """A question a lower app asks; one higher app answers it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._function: Callable[P, R] | None = None
        DECLARED.append(self)

    @property
    def provided(self) -> bool:
        return self._function is not None

    @property
    def function(self) -> Callable[P, R] | None:
        """The function that answers (None until an app provides it)."""
        return self._function

    def provide(self, function: Callable[P, R]) -> Callable[P, R]:
        if self._function is not None and self._function is not function:
            raise ImproperlyConfigured(f"Le point d'extension « {self.name} » est déjà fourni.")
        self._function = function
        return function

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._function is None:
            raise ImproperlyConfigured(
                f"Le point d'extension « {self.name} » n'est fourni par aucune application "
                "installée."
            )
        return self._function(*args, **kwargs)


class Listeners(Generic[P]):
    """Something that happened in a lower app; the higher apps that care are told."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._functions: list[Callable[P, None]] = []
        DECLARED.append(self)

    @property
    def provided(self) -> bool:
        return bool(self._functions)

    def connect(self, function: Callable[P, None]) -> Callable[P, None]:
        if function not in self._functions:  # ready() may run twice in tests
            self._functions.append(function)
        return function

    def __contains__(self, function: object) -> bool:
        return function in self._functions

    def send(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for function in self._functions:
            function(*args, **kwargs)
