from django.urls import path

from fangkong.screening import views

app_name = "screening"

urlpatterns = [
    path("screenings/<int:pk>/", views.screening_page, name="screening"),
    path("screenings/<int:pk>/line-list.xlsx", views.line_list_xlsx, name="line_list_xlsx"),
    path("screenings/institutions/<str:code>/new/", views.screening_new, name="new"),
    path("screenings/follow-ups/<int:pk>/", views.follow_up_page, name="follow_up"),
    path("screenings/referrals/<int:pk>/", views.referral_page, name="referral"),
    path("screenings/regions/<str:code>/", views.region_page, name="region"),
]
