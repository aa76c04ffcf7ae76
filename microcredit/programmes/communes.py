"""The official list of French communes (INSEE COG), read from openfisca-france's data file.

openfisca-france (a pinned dependency) ships the ABC housing zoning of July 2024, one line per
commune of the COG with its INSEE code and name. Only that CSV is read: the tax-benefit system is
not loaded.
"""

from __future__ import annotations

import csv
import importlib.util
from functools import lru_cache
from pathlib import Path

_ASSET = Path("assets") / "zonage-communes" / "zonage-abc-juillet-2024.csv"


def _asset_path() -> Path:
    spec = importlib.util.find_spec("openfisca_france")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("openfisca-france n'est pas installé : liste des communes indisponible.")
    return Path(next(iter(spec.submodule_search_locations))) / _ASSET


@lru_cache(maxsize=1)
def communes() -> dict[str, str]:
    """INSEE code → commune name, for every commune of the 2024 COG."""
    with _asset_path().open(encoding="utf-8", newline="") as handle:
        return {row["CODGEO"]: row["LIBGEO"] for row in csv.DictReader(handle, delimiter=";")}
