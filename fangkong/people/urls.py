from django.urls import include, path

from fangkong.people import views

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
