from django.urls import path

from fangkong.notifications import inbox

app_name = "notifications"

urlpatterns = [
    path("inbox/", inbox.inbox_page, name="inbox"),
    path("inbox/read/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", inbox.notification_page, name="notification"),
    path("inbox/<int:pk>/open/", inbox.notification_open, name="notification_open"),
]
