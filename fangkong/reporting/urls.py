from django.urls import path

from fangkong.reporting import inbox, views

app_name = "reporting"

urlpatterns = [
    path("report/<str:code>/", views.report_today, name="today"),
    path("report/<str:code>/history/", views.history, name="history"),
    path("report/<str:code>/<str:day>/", views.report, name="report"),
    path("board/<str:code>/", views.board, name="board"),
    path("board/<str:code>/trend.json", views.trend, name="trend"),
    path("board/<str:code>/confirm/", views.confirm, name="confirm"),
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/read/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", inbox.notification_page, name="notification"),
    path("inbox/<int:pk>/open/", inbox.notification_open, name="notification_open"),
]
