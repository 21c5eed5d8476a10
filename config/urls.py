from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.main import api_urls

from .views import home_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home_view, name="home"),
    path("", include("catalog.urls")),
    path("masters/", include("coursemasters.urls")),
    path("courses/", include("courses.urls")),
    path("sections/", include("sections.urls")),
    path("push/", include("pushjobs.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", api_urls()),
    path("account/api-tokens/", include("api.urls")),
    path("import/", include("interop.urls")),
    path("history/", include("history.urls")),
    path("downloads/", include("downloads.urls")),
]
