from django.contrib import admin

from microcredit.organisations.models import Organisation, Partnership


class PartnershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Partnership
    fk_name = "ccas"
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PartnershipInline]
