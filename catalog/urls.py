from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("catalogs/", views.catalog_list_view, name="catalog_list"),
    path("catalogs/<int:pk>/", views.catalog_detail_view, name="catalog_detail"),
    path("catalogs/<int:pk>/locks/", views.catalog_locks_view, name="catalog_locks"),
    path("toolbar/", views.toolbar_view, name="toolbar"),
]
