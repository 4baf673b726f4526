from django.urls import include, path

from fangkong.people import checkin_views, views, views_export, views_staff

app_name = "people"

urlpatterns = [
    path("people/", views.search, name="search"),
    path("people/institutions/<str:code>/", views.institution_people, name="institution"),
    path("people/institutions/<str:code>/stays/", views.add_stay, name="add_stay"),
    path("people/institutions/<str:code>/visits/", views.add_visit, name="add_visit"),
    path("people/persons/<int:pk>/", views.person_detail, name="person"),
    path("people/persons/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("", include("fangkong.people.imports.urls")),
]

# Self check-in by QR code and risk areas (checkin_views.py).
urlpatterns += [
    path("checkin/status/<str:secret>/", checkin_views.checkin_status, name="checkin_status"),
    path("checkin/<str:code>/<str:token>/", checkin_views.checkin_form, name="checkin"),
    path(
        "people/institutions/<str:code>/checkins/",
        checkin_views.gate_checkins,
        name="gate_checkins",
    ),
    path("people/institutions/<str:code>/poster/", checkin_views.poster, name="poster"),
    path("people/checkins/<int:pk>/confirm/", checkin_views.confirm_checkin, name="confirm"),
    path("people/checkins/<int:pk>/refuse/", checkin_views.refuse_checkin, name="refuse"),
    path("people/regions/<str:code>/risk-areas/", checkin_views.risk_areas, name="risk_areas"),
    path("people/risk-areas/<int:pk>/", checkin_views.risk_area_edit, name="risk_area"),
    # Staff: employments and shifts
    path("people/institutions/<str:code>/staff/", views_staff.institution_staff, name="staff"),
    path(
        "people/institutions/<str:code>/employments/",
        views_staff.add_employment,
        name="add_employment",
    ),
    path("people/employments/<int:pk>/shifts/", views_staff.add_shift, name="add_shift"),
    # The Excel export of an institution's persons
    path("people/institutions/<str:code>/export/", views_export.export_persons, name="export"),
]
