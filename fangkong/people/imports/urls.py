from django.urls import path

from fangkong.people.imports import views

urlpatterns = [
    path("people/institutions/<str:code>/imports/", views.institution_imports, name="imports"),
    path("people/imports/<int:pk>/", views.import_detail, name="import"),
    path("people/imports/<int:pk>/import/", views.import_confirm, name="import_confirm"),
    path("people/imports/templates/<str:kind>.xlsx", views.template, name="import_template"),
]
