"""The guard of config/settings/test.py: a variable missing from a template of the project fails
the test that renders it; Django's and other packages' templates keep their visible marker."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import Context, Template, engines
from django.template.base import Origin

from config.settings.test import InvalidTemplateVariableError

ENGINE = engines["django"].engine  # type: ignore[attr-defined]


def render(source: str, file: str, **context: object) -> str:
    template = Template(source, origin=Origin(name=file), engine=ENGINE)
    return template.render(Context(context))


PROJECT_FILE = str(settings.BASE_DIR / "microcredit" / "templates" / "example.html")
OTHER_FILE = "/usr/lib/python3/site-packages/django/contrib/admin/templates/admin/example.html"


@pytest.mark.parametrize(
    "source",
    [
        "{{ missing }}",
        "{{ dossier.missing|upper }}",
        "{% with value=missing %}{{ value }}{% endwith %}",
        "{% load i18n %}{% blocktranslate %}le {{ missing }}{% endblocktranslate %}",
    ],
)
def test_a_missing_variable_in_a_project_template_fails(source: str) -> None:
    with pytest.raises(InvalidTemplateVariableError, match=r"example\.html"):
        render(source, PROJECT_FILE, dossier=object())


def test_a_present_or_tested_variable_renders() -> None:
    source = "{{ name }}{% if missing %}{{ missing }}{% endif %}{% for x in missing %}{% endfor %}"
    assert render(source, PROJECT_FILE, name="Nadia") == "Nadia"


def test_other_templates_keep_the_marker() -> None:
    assert render("{{ missing }}", OTHER_FILE) == "INVALID_TEMPLATE_VARIABLE[missing]"
