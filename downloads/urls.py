from django.urls import path

from . import views

app_name = "downloads"
urlpatterns = [
    path("", views.my_downloads_view, name="list"),
    path("prepare/", views.prepare_view, name="prepare"),
    path("<int:pk>/", views.prepared_download_view, name="detail"),
    path("<int:pk>/file/", views.prepared_download_file_view, name="file"),
]
