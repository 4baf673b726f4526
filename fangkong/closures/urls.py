from django.urls import path

from fangkong.closures import views

app_name = "closures"

urlpatterns = [
    path("closures/regions/<str:code>/", views.region_closures, name="region"),
    path(
        "closures/regions/<str:code>/closures.xlsx", views.region_closures_xlsx, name="region_xlsx"
    ),
    path("closures/institutions/<str:code>/", views.institution_closures, name="institution"),
    path("gate/<str:code>/", views.gate, name="gate"),
    path("gate/<str:code>/register/", views.gate_register, name="register"),
    path("gate/<str:code>/register.xlsx", views.gate_register_xlsx, name="register_xlsx"),
]
