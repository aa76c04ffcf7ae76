"""Onboarding a second CCAS (Firminy) through `microcredit create_organisation`, for the tests of
the command, of the CCAS's simulator page and of the isolation between CCAS."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from microcredit.organisations.models import Organisation

# Firminy (INSEE 42095, postcode 42700): a commune of the Loire outside Saint-Étienne's territory.
FIRMINY_ARGS = {
    "--name": "CCAS de Firminy",
    "--slug": "ccas-firminy",
    "--email": "contact@ccas-firminy.example.org",
    "--scheme-template": "saint-etienne",
    "--commune": "42095:42700",
    "--bank": "parcours-confiance",
    "--director-email": "Direction@CCAS-Firminy.example.org",
    "--director-name": "Claire Roux",
    "--colour": "#7c2d12",
}


def command_args(**overrides: str | None) -> list[str]:
    """The command line for Firminy, an option changed by `option_name="value"` (underscores for
    dashes, None to leave the option out)."""
    values: dict[str, str | None] = dict(FIRMINY_ARGS)
    for key, value in overrides.items():
        values["--" + key.replace("_", "-")] = value
    args: list[str] = []
    for option, value in values.items():
        if value is not None:
            args += [option, value]
    return args


def create_organisation(*args: str) -> str:
    """Run the command; its standard output."""
    out = StringIO()
    call_command("create_organisation", *args, stdout=out)
    return out.getvalue()


def onboard_firminy(**overrides: str | None) -> Organisation:
    create_organisation(*command_args(**overrides))
    return Organisation.objects.get(slug=overrides.get("slug") or FIRMINY_ARGS["--slug"])
