"""core.cache.cached: a miss computes once and keeps the value, a hit does not compute, the
value goes at the end of its ttl, `refresh` and `valid` compute again."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core.cache import cache
from django.utils import timezone

from microcredit.core.cache import cached


class Compute:
    """A computation that counts its calls and answers `value` (then the next one given)."""

    def __init__(self, *values: object) -> None:
        self.values = list(values)
        self.calls = 0

    def __call__(self) -> object:
        value = self.values[min(self.calls, len(self.values) - 1)]
        self.calls += 1
        return value


def test_a_miss_computes_once_and_keeps_the_value_a_hit_does_not_compute() -> None:
    compute = Compute({"reception": 3}, {"reception": 4})
    assert cached("essai:a", 60, compute) == {"reception": 3}
    assert cache.get("essai:a") == {"reception": 3}
    assert cached("essai:a", 60, compute) == {"reception": 3}
    assert compute.calls == 1
    other = Compute("autre")
    assert cached("essai:b", 60, other) == "autre" and other.calls == 1  # its own key


def test_the_value_goes_at_the_end_of_its_ttl() -> None:
    compute = Compute(1, 2, 3)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert cached("essai:ttl", 60, compute) == 1
    with time_machine.travel(now + timedelta(seconds=59), tick=False):
        assert cached("essai:ttl", 60, compute) == 1
    with time_machine.travel(now + timedelta(seconds=61), tick=False):
        assert cached("essai:ttl", 60, compute) == 2
    assert compute.calls == 2
    # 0: not kept at all; a cleared cache computes again.
    assert cached("essai:zero", 0, compute) == 3
    assert cached("essai:zero", 0, compute) == 3 and compute.calls == 4
    cache.clear()
    assert cached("essai:ttl", 60, compute) == 3 and compute.calls == 5


def test_refresh_and_a_refused_value_compute_again_and_none_is_kept() -> None:
    compute = Compute("ancien", "nouveau", "encore")
    assert cached("essai:r", 60, compute) == "ancien"
    assert cached("essai:r", 60, compute, refresh=True) == "nouveau"
    assert cached("essai:r", 60, compute) == "nouveau" and compute.calls == 2
    assert cached("essai:r", 60, compute, valid=lambda kept: kept != "nouveau") == "encore"
    assert cached("essai:r", 60, compute, valid=lambda kept: True) == "encore"
    assert compute.calls == 3
    nothing = Compute(None)
    assert cached("essai:none", 60, nothing) is None
    assert cached("essai:none", 60, nothing) is None and nothing.calls == 1
