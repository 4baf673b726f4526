from django.urls import path

from fangkong.lab import views

app_name = "lab"

urlpatterns = [
    path("lab/regions/<str:code>/", views.region_coverage, name="region"),
    path("lab/regions/<str:code>/rounds.xlsx", views.region_xlsx, name="region_xlsx"),
    path("lab/rounds/<int:pk>/", views.round_page, name="round"),
    path("lab/rounds/<int:pk>/grid/", views.round_grid, name="grid"),
]
