from django import forms
from django.contrib import admin

from microcredit.core.forms import FreeTextGuard
from microcredit.organisations.models import Organisation, Partnership
from microcredit.organisations.theme import validate_theme_colour_contrast


class PartnershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Partnership
    fk_name = "ccas"
    extra = 0


class OrganisationForm(FreeTextGuard, forms.ModelForm):  # type: ignore[type-arg]
    """Where the technical administration changes a CCAS's theme colour: too light is refused."""

    class Meta:
        model = Organisation
        fields = ["kind", "name", "slug", "address", "email", "phone", "logo", "theme_colour"]

    def clean_theme_colour(self) -> str:
        colour: str = self.cleaned_data["theme_colour"]
        validate_theme_colour_contrast(colour)
        return colour


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = OrganisationForm
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PartnershipInline]
