from django.urls import path

from fangkong.screening import views

app_name = "screening"

urlpatterns = [
    path("screenings/<int:pk>/", views.screening_page, name="screening"),
    path("screenings/institutions/<str:code>/new/", views.screening_new, name="new"),
]
