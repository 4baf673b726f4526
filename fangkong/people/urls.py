from django.urls import path

from fangkong.people import views, views_export, views_staff

app_name = "people"

urlpatterns = [
    path("people/", views.search, name="search"),
    path("people/institutions/<str:code>/", views.institution_people, name="institution"),
    path("people/institutions/<str:code>/stays/", views.add_stay, name="add_stay"),
    path("people/institutions/<str:code>/visits/", views.add_visit, name="add_visit"),
    path("people/persons/<int:pk>/", views.person_detail, name="person"),
    path("people/persons/<int:pk>/reveal/", views.person_reveal, name="reveal"),
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
