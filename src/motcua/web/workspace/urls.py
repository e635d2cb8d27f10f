"""The workspace's URLs, included by ``web.urls`` under ``ho-so/`` (names ``web:workspace:…``)."""

from django.urls import path, re_path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:code>/", views.dossier, name="dossier"),
    path("<str:code>/thao-tac/<str:action>/", views.action, name="action"),
    re_path(r"^(?P<code>[^/]+)/mau-(?P<form>[0-9]{2})\.pdf$", views.form_pdf, name="form_pdf"),
]
