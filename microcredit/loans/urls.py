from django.urls import path

from microcredit.loans import views

app_name = "loans"

urlpatterns = [
    path("", views.loan_list, name="list"),
    path("<id:loan_id>/", views.loan_detail, name="detail"),
    path("<id:loan_id>/remboursements/", views.repayment_create, name="repayment_create"),
    path("<id:loan_id>/incidents/", views.incident_create, name="incident_create"),
]
