from django.urls import path

from fangkong.liaison import views

app_name = "liaison"

urlpatterns = [
    path("liaison/<str:code>/", views.coverage, name="coverage"),
    path("liaison/institution/<str:code>/", views.institution, name="institution"),
    path("liaison/institution/<str:code>/duty/", views.duty_new, name="duty_new"),
    path("liaison/assignment/<int:pk>/end/", views.end, name="end"),
]
