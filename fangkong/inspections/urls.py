from django.urls import path

from fangkong.inspections import views

app_name = "inspections"

urlpatterns = [
    path("inspections/regions/<str:code>/", views.region, name="region"),
    path("inspections/regions/<str:code>/summary/", views.summary, name="summary"),
    path("inspections/regions/<str:code>/summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("inspections/institutions/<str:code>/", views.institution, name="institution"),
    path("inspections/institutions/<str:code>/new/", views.record, name="record"),
    path("inspections/institutions/<str:code>/draft/", views.record_draft, name="draft"),
    path("inspections/<int:pk>/", views.detail, name="detail"),
    path(
        "inspections/<int:pk>/items/<int:item>/photos/", views.answer_photo_add, name="answer_photo"
    ),
    path("rectifications/<int:pk>/fix/", views.fix, name="fix"),
    path("rectifications/<int:pk>/verify/", views.verify, name="verify"),
    path("rectifications/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("inspections/regions/<str:code>/plans/", views.region_plans, name="region_plans"),
    path("inspections/plans/mine/", views.my_plans, name="my_plans"),
    path("inspections/plans/<int:pk>/", views.plan, name="plan"),
    path("inspections/plans/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("liaison-findings/<int:pk>/rectification/", views.finding_rectify, name="finding_rectify"),
]
