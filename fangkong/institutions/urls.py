from django.urls import path

from fangkong.institutions import views

app_name = "institutions"

urlpatterns = [
    path("<str:code>/", views.detail, name="detail"),
]
