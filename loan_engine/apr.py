"""Annual percentage rate of charge (TAEG), EU directive 2008/48/EC annex I / art. R314-3.

The APR is the rate ``X`` solving ``Σ C_k (1+X)^−t_k = Σ D_l (1+X)^−s_l`` (drawdowns ``C_k``
at times ``t_k``, payments ``D_l`` at times ``s_l``, in years from the first drawdown; a month is
1/12 year). It is returned in percent, rounded half-up to ``places`` decimals (2 by default).

Method: a floating-point root finder gives an estimate; the rounded result is then *decided*
exactly: ``R`` (in units of the last decimal) is the displayed value iff the root lies in
``[R − ½, R + ½)``, i.e. iff the net present value ``f(X) = PV(payments) − PV(drawdowns)``
(decreasing in ``X``) is ``≥ 0`` at the lower boundary and ``< 0`` at the upper one. Those signs
are established rigorously:

* monthly cash flows (the schedule case): with ``v = (1+b)^(−1/12)`` the NPV is a polynomial
  with integer (cent) coefficients. Two adjacent doubles ``v_lo ≤ v ≤ v_hi`` are certified to
  bracket ``v`` with exact integer arithmetic (``v_lo^12·(1+b) ≤ 1 ≤ v_hi^12·(1+b)``), the
  polynomial is evaluated by Horner with Higham's a-priori error bound ``γ_2N·Σ|a_k|v^k``,
  and, the polynomial being increasing in ``v``, a sign that clears the bound is certain;
* otherwise (or when the bound is not cleared) the NPV is evaluated with ``decimal`` at growing
  precision (60, 120, ... 480 digits) with a relative error bound per term; a value smaller
  than ``10^−470`` of the flows is taken as an exact zero (root on the boundary → half-up).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from .dates import year_fraction
from .errors import CalculationError, InvalidAmountError, InvalidParameterError
from .money import to_decimal
from .schedule import Schedule

__all__ = ["annual_percentage_rate", "apr_from_cash_flows", "nominal_equivalent_percent"]

_U = 2.0**-53
_NO_SOLUTION = "Aucun TAEG ne résout l'équation de ces flux."


def _float_horner(coeffs: Sequence[int], v: float) -> float:
    """Σ coeffs[k]·v^k (coeffs in ascending powers)."""
    acc = 0.0
    for a in reversed(coeffs):
        acc = acc * v + a
    return acc


def _exact_sign_at_boundary_monthly(
    coeffs: Sequence[int], num: int, den: int, total: int
) -> int | None:
    """Sign of Σ coeffs[k]·v^k at ``v = (num/den)^(−1/12)`` (``1+b = num/den``), or None.

    ``coeffs[0]`` is minus the drawdown; the others are payments ≥ 0, so the polynomial is
    increasing in v > 0.
    """
    n_deg = len(coeffs) - 1
    v = (num / den) ** (-1.0 / 12.0)

    def le(x: float) -> bool:  # x ≤ v_b  ⟺  x^12 · num ≤ den
        m, e = x.as_integer_ratio()
        return m**12 * num <= den * e**12

    def ge(x: float) -> bool:
        m, e = x.as_integer_ratio()
        return m**12 * num >= den * e**12

    lo = v
    for _ in range(8):
        if le(lo):
            break
        lo = math.nextafter(lo, 0.0)
    else:
        return None
    hi = v
    for _ in range(8):
        if ge(hi):
            break
        hi = math.nextafter(hi, math.inf)
    else:
        return None
    gamma = 2 * n_deg * _U / (1 - 2 * n_deg * _U)
    scale = max(1.0, hi) ** n_deg
    bound = 2.0 * gamma * total * scale + 1e-300
    g_lo = _float_horner(coeffs, lo)
    if g_lo > bound:
        return 1
    g_hi = _float_horner(coeffs, hi)
    if g_hi < -bound:
        return -1
    return None


def _decimal_sign(flows: Sequence[tuple[Fraction, Fraction]], one_plus_b: Fraction) -> int:
    """Sign of Σ a·(1+b)^(−t) (payments positive, drawdowns negative) with escalating precision."""
    prec = 60
    while True:
        with localcontext() as ctx:
            ctx.prec = prec + 10
            base = Decimal(one_plus_b.numerator) / Decimal(one_plus_b.denominator)
            ln = base.ln()
            total = Decimal(0)
            mag = Decimal(0)
            for t, a in flows:
                if t == 0:
                    term = Decimal(a.numerator) / Decimal(a.denominator)
                else:
                    expo = -(ln * Decimal(t.numerator)) / Decimal(t.denominator)
                    term = expo.exp() * Decimal(a.numerator) / Decimal(a.denominator)
                total += term
                mag += abs(term)
            bound = mag * Decimal(10) ** (-(prec - 5))
            if total > bound:
                return 1
            if total < -bound:
                return -1
        if prec >= 480:
            return 0
        prec *= 2


def _float_npv(flows: Sequence[tuple[float, float]], x: float) -> tuple[float, float]:
    lg = math.log1p(x)
    val = 0.0
    der = 0.0
    for t, a in flows:
        term = a * math.exp(-t * lg)
        val += term
        der -= t * term
    return val, der / (1.0 + x)


def _float_root(flows: Sequence[tuple[float, float]], guess: float) -> float:
    """Safeguarded Newton on the NPV (decreasing around the root)."""
    lo, hi = -0.999999, max(guess, 0.0) + 1.0
    f_lo = _float_npv(flows, lo)[0]
    if f_lo <= 0:
        raise CalculationError("apr_no_solution", _NO_SOLUTION)
    f_hi = _float_npv(flows, hi)[0]
    while f_hi > 0:
        hi = hi * 4 + 1
        if hi > 1e9:
            raise CalculationError(
                "apr_no_solution", "Aucun TAEG ne résout l'équation de ces flux."
            )
        f_hi = _float_npv(flows, hi)[0]
    x = min(max(guess, lo), hi)
    for _ in range(200):
        f, d = _float_npv(flows, x)
        if f > 0:
            lo = x
        else:
            hi = x
        nx = x - f / d if d < 0 else (lo + hi) / 2
        if not lo < nx < hi:
            nx = (lo + hi) / 2
        if abs(nx - x) <= 1e-15 * max(1.0, abs(x)):
            return nx
        x = nx
    return x


def _decide(estimate: float, places: int, sign_at: Callable[[int, int], int]) -> Decimal:
    """Exact half-up rounding of the root (``estimate`` is a float rate) in percent.

    ``sign_at(num, den)`` gives the sign of the NPV at the rate ``b`` with ``1 + b = num/den``.
    """
    units = 100 * 10**places  # one unit of the last displayed decimal is the rate 1/units

    def root_at_least(j: int) -> bool:  # root ≥ (j − ½)/units  ⟺  NPV((j − ½)/units) ≥ 0
        num = 2 * units + 2 * j - 1  # 1 + b = num / den
        if num <= 0:
            return True
        return sign_at(num, 2 * units) >= 0

    j = round(estimate * units)
    if root_at_least(j):
        step = 1
        while root_at_least(j + step):  # pragma: no cover - estimate is within one unit
            j += step
            step *= 2
        hi = j + step  # root_at_least(hi) is False
        while hi - j > 1:
            mid = (j + hi) // 2
            if root_at_least(mid):
                j = mid
            else:
                hi = mid
    else:
        step = 1
        lo = j - step
        while not root_at_least(lo):  # pragma: no cover - estimate is within one unit
            j = lo
            step *= 2
            lo = j - step
        while j - lo > 1:
            mid = (j + lo) // 2
            if root_at_least(mid):
                lo = mid
            else:
                j = mid
        j = lo
    return Decimal(j).scaleb(-places)


def _solve(flows: list[tuple[Fraction, Fraction]], places: int, guess: float = 0.05) -> Decimal:
    pay = sum((a for _, a in flows if a > 0), Fraction(0))
    draw = -sum((a for _, a in flows if a < 0), Fraction(0))
    if pay <= 0 or draw <= 0:
        raise CalculationError(
            "apr_no_solution", "Le TAEG exige au moins un décaissement et un remboursement."
        )
    monthly = all((t * 12).denominator == 1 for t, _ in flows) and all(
        t == 0 for t, a in flows if a < 0
    )
    if monthly and pay == draw:
        return Decimal(0).scaleb(-places)
    fflows = [(float(t), float(a)) for t, a in flows]
    estimate = _float_root(fflows, guess)
    coeffs: list[int] | None = None
    if monthly and all(a.denominator == 1 for _, a in flows):
        k_max = max(int(t * 12) for t, _ in flows)
        coeffs = [0] * (k_max + 1)
        for t, a in flows:
            coeffs[int(t * 12)] += int(a)

    def sign_at(num: int, den: int) -> int:
        if coeffs is not None:
            s = _exact_sign_at_boundary_monthly(coeffs, num, den, total)
            if s is not None:
                return s
        return _decimal_sign(flows, Fraction(num, den))

    total = sum(abs(a) for a in coeffs) if coeffs is not None else 0
    return _decide(estimate, places, sign_at)


def _years(value: object) -> Fraction:
    if isinstance(value, (bool, float)):
        raise InvalidParameterError(
            "invalid_time", "Les durées doivent être exactes (Fraction, Decimal ou entier)."
        )
    if isinstance(value, (Fraction, int)):
        out = Fraction(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidParameterError("invalid_time", "Durée invalide.")
        out = Fraction(value)
    else:
        raise InvalidParameterError("invalid_time", "Durée invalide.")
    if out < 0:
        raise InvalidParameterError("invalid_time", "Une durée ne peut pas être négative.")
    return out


def apr_from_cash_flows(
    drawdowns: Sequence[tuple[Fraction | Decimal | int, Decimal | int | str]],
    payments: Sequence[tuple[Fraction | Decimal | int, Decimal | int | str]],
    places: int = 2,
) -> Decimal:
    """APR in percent (half-up to ``places`` decimals) of arbitrary cash flows.

    Args:
        drawdowns: ``(time_in_years, amount)`` pairs, the first at time 0.
        payments: ``(time_in_years, amount)`` pairs of repayments and charges.
        places: decimals of the result (2 by default; the directive requires at least 1).

    Times are exact (``Fraction``, ``Decimal`` or ``int`` years; a month is ``Fraction(1, 12)``,
    a day ``Fraction(1, 365)``). Amounts are exact (no float).

    Raises:
        InvalidAmountError: negative or float amounts.
        CalculationError: no rate solves the equation.
    """
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 8:
        raise InvalidParameterError("invalid_places", "Le nombre de décimales doit aller de 0 à 8.")
    flows: list[tuple[Fraction, Fraction]] = []
    for sign, seq in ((-1, drawdowns), (1, payments)):
        for t, amount in seq:
            a = Fraction(to_decimal(amount))
            if a < 0:
                raise InvalidAmountError(
                    "negative_amount", "Un flux du TAEG ne peut pas être négatif."
                )
            if a:
                flows.append((_years(t), sign * a))
    return _solve(flows, places)


def annual_percentage_rate(schedule: Schedule) -> Decimal:
    """TAEG of a schedule, in percent, half-up to 2 decimals (``Decimal("1.76")``).

    The drawdown is the principal on the disbursement date; the payments are the rows'
    payments on their due dates, timed in whole months (1/12 year) from the disbursement plus
    remaining days (1/365 year) when a due date is not a whole number of months away.
    No fees, no insurance: the bonification is not part of the legal TAEG.
    """
    terms = schedule.terms
    start = terms.disbursement_date
    principal = int(terms.principal.scaleb(2))
    rows = schedule.rows
    p, q = Fraction(terms.annual_rate).as_integer_ratio()
    guess = (1.0 + p / q / 12.0) ** 12 - 1.0
    if (
        terms.anchor_day is None
        and len(rows) == terms.total_periods
        and all(r.kind != "early-repayment" for r in rows)
    ):
        k_max = rows[-1].number
        coeffs = [0] * (k_max + 1)
        coeffs[0] = -principal
        for r in rows:
            coeffs[r.number] += int(r.payment.scaleb(2))
        return _solve_coeffs(coeffs, guess)
    flows: list[tuple[Fraction, Fraction]] = [(Fraction(0), Fraction(-principal))]
    for r in rows:
        if r.payment:
            flows.append((_row_time(start, r.due_date), Fraction(int(r.payment.scaleb(2)))))
    return _solve(flows, 2, guess)


def _row_time(start: date, due: date) -> Fraction:
    return year_fraction(start, due)


def _solve_coeffs(coeffs: list[int], guess: float) -> Decimal:
    """Fast path: monthly flows as integer polynomial coefficients (coeffs[0] = −drawdown)."""
    pay = sum(coeffs) - coeffs[0]
    draw = -coeffs[0]
    if pay <= 0 or draw <= 0:
        raise CalculationError(
            "apr_no_solution", "Le TAEG exige au moins un décaissement et un remboursement."
        )
    if pay == draw:
        return Decimal("0.00")
    # Newton on g(v) = Σ a_k v^k, v = (1+X)^(−1/12); g increasing and convex for v > 0.
    v = (1.0 + guess) ** (-1.0 / 12.0)
    rev = coeffs[::-1]
    converged = False
    for _ in range(60):
        val = 0.0
        der = 0.0
        for a in rev:
            der = der * v + val
            val = val * v + a
        if der <= 0:
            break
        nv = v - val / der
        if nv <= 0:
            break
        step = abs(nv - v)
        v = nv
        if step <= 1e-13:  # quadratic convergence: the next step would be below 1 ulp
            converged = True
            break
    if converged:
        estimate = v**-12 - 1.0
    else:  # pragma: no cover - fall back on the generic safeguarded solver
        fflows = [(k / 12.0, float(a)) for k, a in enumerate(coeffs) if a]
        estimate = _float_root(fflows, guess)
    flows: list[tuple[Fraction, Fraction]] | None = None

    total = pay + draw

    def sign_at(num: int, den: int) -> int:
        nonlocal flows
        s = _exact_sign_at_boundary_monthly(coeffs, num, den, total)
        if s is not None:
            return s
        if flows is None:
            flows = [(Fraction(k, 12), Fraction(a)) for k, a in enumerate(coeffs) if a]
        return _decimal_sign(flows, Fraction(num, den))

    return _decide(estimate, 2, sign_at)


def nominal_equivalent_percent(annual_rate: Decimal) -> Fraction:
    """Exact ``((1 + rate/12)^12 − 1) × 100``: the APR of an unrounded fee-free loan."""
    i = Fraction(annual_rate) / 12
    return ((1 + i) ** 12 - 1) * 100
