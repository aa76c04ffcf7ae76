"""The API's operations on a loan after the cheque: plans (declared on `api.base.api`)."""

from __future__ import annotations
