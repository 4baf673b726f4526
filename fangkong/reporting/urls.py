from django.urls import path

from fangkong.reporting import views

app_name = "reporting"

urlpatterns = [
    path("report/<str:code>/", views.report_today, name="today"),
    path("report/<str:code>/history/", views.history, name="history"),
    path("report/<str:code>/<str:day>/", views.report, name="report"),
    path("report/<str:code>/<str:day>/on-behalf/", views.report_on_behalf, name="on_behalf"),
    path("institutions/<str:code>/remind/", views.remind, name="remind"),
    path("board/<str:code>/", views.board, name="board"),
    path("board/<str:code>/trend.json", views.trend, name="trend"),
    path("board/<str:code>/confirm/", views.confirm, name="confirm"),
]
