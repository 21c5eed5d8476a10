from django.urls import path

from . import views

app_name = "coursemasters"
urlpatterns = [
    path("<int:pk>/", views.master_detail_view, name="master_detail"),
    path("<int:pk>/info/", views.master_attributes_view, name="master_attributes"),
    path("<int:pk>/copy/", views.master_copy_view, name="master_copy"),
    path("<int:pk>/<slug:type_name>/add/", views.master_item_add_view, name="master_item_add"),
    path("<int:pk>/<slug:type_name>/<int:item_pk>/edit/", views.master_item_edit_view, name="master_item_edit"),
    path("<int:pk>/<slug:type_name>/<int:item_pk>/delete/", views.master_item_delete_view, name="master_item_delete"),
]
