"""The desk's pages under ``/mot-cua/`` (names ``web:desk:…``)."""

from django.urls import path, re_path

from . import views_dossier, views_intake
from .queues import QUEUES

app_name = "desk"

urlpatterns = [
    path("", views_intake.home, name="home"),
    path("tiep-nhan/<str:code>/", views_intake.intake_view, name="intake"),
    path("ho-so/", views_dossier.find, name="find"),
    path("ho-so/<str:code>/", views_dossier.dossier_view, name="dossier"),
    re_path(
        r"^ho-so/(?P<code>[^/]+)/mau-(?P<form>[0-9]{2})\.pdf$",
        views_dossier.form_pdf,
        name="form_pdf",
    ),
    *[
        path(f"{q.slug}/", views_dossier.queue, {"slug": q.slug}, name=f"queue_{q.key}")
        for q in QUEUES.values()
    ],
]
