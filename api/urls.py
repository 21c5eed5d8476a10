from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("", views.api_tokens_view, name="api_tokens"),
    path("<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
