"""The web pages, mounted at the site root (``motcua.urls``). Paths are Vietnamese, as the
public reads them; names are English (``web:…``)."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from .views import auth, catalog, home, lookup, stats

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("dang-nhap/", auth.login_view, name="login"),
    path("dang-nhap/ma-xac-thuc/", auth.code_view, name="login_code"),
    path("dang-nhap/thiet-lap-xac-thuc/", auth.enrol_view, name="enrol"),
    path("dang-xuat/", auth.logout_view, name="logout"),
    path("thu-tuc/", catalog.search, name="procedures"),
    path("thu-tuc/<str:code>/", catalog.detail, name="procedure"),
    path("tra-cuu/", lookup.lookup_form, name="lookup"),
    path("tra-cuu/<str:code>/", lookup.lookup_dossier, name="lookup_dossier"),
    # The receipt's QR code points at {PUBLIC_URL}/tra-cuu/{code}, without the slash.
    path("tra-cuu/<str:code>", lookup.lookup_dossier, name="lookup_dossier_qr"),
    path("thong-ke/", stats.statistics, name="statistics"),
    path("", include("motcua.web.dashboard.urls")),
    path("mot-cua/", include("motcua.web.desk.urls")),
    path("ho-so/", include("motcua.web.workspace.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for it on pages that name no icon (the admin's).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
]
