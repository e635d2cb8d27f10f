from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from motcua.rest import api, api_not_found
from motcua.web.views.auth import admin_login

admin.site.site_header = _("motcua — one-stop shop administration")
admin.site.site_title = "motcua"
admin.site.index_title = _("Administration")

urlpatterns = [
    # The admin's own login form would skip the second factor.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Anything else under the API answers in the API's language (problem details), not HTML.
    re_path(r"^api/", api_not_found),
    path("", include("motcua.web.urls")),
]
