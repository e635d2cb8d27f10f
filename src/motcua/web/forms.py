"""Forms of the foundation pages. They only parse input: rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError

CODE_MAX_LENGTH = 60


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=CODE_MAX_LENGTH,
        help_text=_("As printed on your receipt, e.g. 000.00.01.H29-260310-0001."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code or any(ch in code for ch in "/?#\\\x00") or not code.isprintable():
            raise forms.ValidationError(
                _("A dossier code has letters, digits, dots and dashes only.")
            )
        return code


def add_domain_errors(form: forms.Form, error: DomainError) -> None:
    """Show a service's errors on the form: next to the field each names, the rest on top."""
    placed = False
    for problem in error.errors:
        name = problem.field.split(".")[0].split("[")[0]
        if name in form.fields:
            form.add_error(name, problem.message)
            placed = True
        else:
            form.add_error(None, f"{problem.field}: {problem.message}")
            placed = True
    if not placed:
        form.add_error(None, error.detail)
