"""The translation tool, on throw-away packages and catalogues in temporary directories."""

from __future__ import annotations

import gettext as gnu_gettext
import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from django.template import Context, Engine
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from motcua.core import i18n

SAMPLE_PY = """\
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, ngettext_lazy
from django.utils.translation import npgettext, pgettext, pgettext_lazy


class Dossier(models.Model):
    code = models.CharField(_("code"), max_length=40)
    note = models.TextField(verbose_name=gettext_lazy("note"), help_text=_(
        "Free text "
        "for officials."
    ))


def messages(n, name):
    # Translators: shown on the receipt, keep it short.
    # The second line of the comment.
    receipt = _("Receipt for %(name)s") % {"name": name}
    count = ngettext("%(count)s dossier", "%(count)s dossiers", n) % {"count": n}
    lazy_count = ngettext_lazy("One step", "%(count)s steps", "count")
    month = pgettext("month name", "May")
    verb = pgettext_lazy("verb", "Return")
    items = npgettext("feedback", "%(n)s reply", "%(n)s replies", n)
    noop = gettext_noop("Marked only")
    qualified = translation.gettext("Through the module")
    looked_up = _(name)
    return receipt, count, lazy_count, month, verb, items, noop, qualified, looked_up
"""

SAMPLE_HTML = """\
{% load i18n %}
<h1>{% translate "Dossiers" %}</h1>
<p>{% trans 'Single quotes' %}</p>
<p>{% translate "May" context "month name" %}</p>
<p>{% translate "Done 100%" %}</p>
{% translate "Page title" as title %}<title>{{ title }}</title>
{# Translators: the agency's public name. #}
<p>{% blocktranslate with name=agency.name %}Agency {{ name }}{% endblocktranslate %}</p>
{% blocktrans count counter=n %}One dossier{% plural %}{{ counter }} dossiers{% endblocktrans %}
<p>{% blocktranslate trimmed with rate=rate %}
   On time:
   {{ rate }}% of dossiers
{% endblocktranslate %}</p>
<p>{% blocktranslate context "verb" %}Return{% endblocktranslate %}</p>
<p>{{ missing|default:_("Not given") }}</p>
{% comment %}Translators: a button.{% endcomment %}
<button>{% translate "Save" %}</button>
"""


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def msgids(extraction: i18n.Extraction) -> set[tuple[str, str | None, str | None]]:
    return {(f.msgid, f.plural, f.context) for f in extraction.found}


def translate_all(locale_dir: Path, locale: str = "vi", prefix: str = "VI:") -> None:
    """Translate every entry of a catalogue mechanically (prefix + msgid), as a translator would
    by editing the .po file, without compiling."""
    path = i18n.po_path(locale_dir, locale)
    catalog = i18n.read_catalog(path, locale)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(prefix + message.id[1] for _ in range(catalog.num_plurals))
        else:
            message.string = prefix + str(message.id)
        message.flags.discard("fuzzy")
    path.write_bytes(i18n.render_po(catalog))


def entry(catalog: Catalog, msgid: str) -> Message:
    message = catalog.get(msgid)
    assert message is not None, msgid
    return message


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    write(root, "dossiers/models.py", SAMPLE_PY)
    write(root, "web/templates/web/page.html", SAMPLE_HTML)
    return root


# --- Extraction ------------------------------------------------------------------------------


def test_python_extraction_covers_every_keyword():
    found = i18n.extract_python(SAMPLE_PY, "pkg/dossiers/models.py")
    assert found.errors == []
    assert msgids(found) == {
        ("code", None, None),
        ("note", None, None),
        ("Free text for officials.", None, None),
        ("Receipt for %(name)s", None, None),
        ("%(count)s dossier", "%(count)s dossiers", None),
        ("One step", "%(count)s steps", None),
        ("May", None, "month name"),
        ("Return", None, "verb"),
        ("%(n)s reply", "%(n)s replies", "feedback"),
        ("Marked only", None, None),
        ("Through the module", None, None),
    }
    receipt = next(f for f in found.found if f.msgid.startswith("Receipt"))
    assert receipt.lineno == 19
    assert receipt.comments == (
        "Translators: shown on the receipt, keep it short.",
        "The second line of the comment.",
    )
    assert all(not f.comments for f in found.found if f is not receipt)


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ('_(f"Dossier {code}")', "f-string"),
        ('_("Dossier %s" % code)', "formatted before translation"),
        ('_("Dossier " + code)', "built with an operator"),
        ('gettext_lazy("Dossier {}".format(code))', "str.format"),
        ('ngettext("one", f"{n} many", n)', "f-string"),
        ('_("")', "empty message"),
    ],
)
def test_messages_built_at_runtime_are_reported_with_their_line(call, reason):
    source = f"x = 1\nvalue = {call}\n"
    found = i18n.extract_python(source, "pkg/app.py")
    assert found.found == []
    [error] = found.errors
    assert error.path == "pkg/app.py"
    assert error.lineno == 2
    assert reason in error.message


def test_python_syntax_error_is_reported_not_raised():
    found = i18n.extract_python("def broken(:\n", "pkg/bad.py")
    assert found.found == []
    assert "syntax error" in str(found.errors[0])


def test_template_extraction_follows_django_tags():
    found = i18n.extract_template(SAMPLE_HTML, "pkg/web/templates/web/page.html")
    assert found.errors == []
    assert msgids(found) == {
        ("Dossiers", None, None),
        ("Single quotes", None, None),
        ("May", None, "month name"),
        ("Done 100%%", None, None),
        ("Page title", None, None),
        ("Agency %(name)s", None, None),
        ("One dossier", "%(counter)s dossiers", None),
        ("On time: %(rate)s%% of dossiers", None, None),
        ("Return", None, "verb"),
        ("Not given", None, None),
        ("Save", None, None),
    }
    by_id = {f.msgid: f for f in found.found}
    assert by_id["Agency %(name)s"].comments == ("Translators: the agency's public name.",)
    assert by_id["Save"].comments == ("Translators: a button.",)
    assert by_id["Dossiers"].lineno == 2
    assert by_id["On time: %(rate)s%% of dossiers"].lineno == 10


def test_template_errors_name_file_and_line():
    source = "{% load i18n %}\n{% blocktranslate %}A {% if x %}b{% endif %}{% endblocktranslate %}"
    found = i18n.extract_template(source, "t.html")
    assert [e.lineno for e in found.errors] == [2]
    assert "must not include other block tags" in found.errors[0].message
    unclosed = i18n.extract_template("{% blocktranslate %}Open", "u.html")
    assert "unclosed" in unclosed.errors[0].message


def test_only_package_sources_and_templates_are_scanned(package: Path):
    write(package, "dossiers/tests/test_x.py", 'from x import _\n_("From a test")\n')
    write(package, "dossiers/migrations/0001_initial.py", '_("From a migration")\n')
    write(package, "conftest.py", '_("From conftest")\n')
    write(package, "web/static/app.html", '{% translate "Static file" %}')
    write(package, "web/templates/mail/notice.txt", '{% translate "Mail body" %}')
    names = [p.relative_to(package).as_posix() for p in i18n.source_files(package)]
    assert names == [
        "dossiers/models.py",
        "web/templates/mail/notice.txt",
        "web/templates/web/page.html",
    ]
    locations = {f.path for f in i18n.extract(package).found}
    assert locations == {
        "pkg/dossiers/models.py",
        "pkg/web/templates/mail/notice.txt",
        "pkg/web/templates/web/page.html",
    }


# --- Runtime: what is extracted is what Django looks up --------------------------------------


def test_translated_catalogue_is_what_django_uses_at_runtime(package: Path, tmp_path: Path):
    locale_dir = tmp_path / "locale"
    i18n.update(package, locale_dir)
    translate_all(locale_dir)
    i18n.update(package, locale_dir)  # compiles the edited .po
    engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    template = engine.from_string(SAMPLE_HTML)
    context = Context({"agency": {"name": "Sở Tư pháp"}, "n": 3, "rate": 97})
    with override_settings(LOCALE_PATHS=[locale_dir]), translation.override("vi"):
        html = template.render(context)
        assert translation.pgettext("month name", "May") == "VI:May"
        assert translation.ngettext("%(count)s dossier", "%(count)s dossiers", 1) == (
            "VI:%(count)s dossiers"
        )
        assert translation.npgettext("feedback", "%(n)s reply", "%(n)s replies", 2) == (
            "VI:%(n)s replies"
        )
    expected = [
        "VI:Dossiers",
        "VI:Single quotes",
        "VI:May",
        "VI:Done 100%",
        "<title>VI:Page title</title>",
        "VI:Agency Sở Tư pháp",
        "VI:3 dossiers",
        "VI:On time: 97% of dossiers",
        "VI:Return",
        "VI:Not given",
        "VI:Save",
    ]
    for text in expected:
        assert text in html
    with override_settings(LOCALE_PATHS=[locale_dir]), translation.override("en"):
        assert "<h1>Dossiers</h1>" in template.render(context)


# --- Update: merge, obsolete, stability ------------------------------------------------------


def test_update_writes_sorted_stable_catalogues(package: Path, tmp_path: Path):
    locale_dir = tmp_path / "locale"
    _, summaries = i18n.update(package, locale_dir)
    assert [(s.locale, s.total, s.written) for s in summaries] == [
        ("vi", 20, True),
        ("en", 20, True),
    ]
    vi = i18n.po_path(locale_dir, "vi")
    first = {p: p.read_bytes() for p in locale_dir.rglob("*.*")}
    assert len(first) == 4
    _, again = i18n.update(package, locale_dir)
    assert [s.written for s in again] == [False, False]
    assert {p: p.read_bytes() for p in locale_dir.rglob("*.*")} == first

    text = vi.read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "#: pkg/dossiers/models.py\n" in text  # no line numbers: edits elsewhere make no diff
    assert '#, python-format\nmsgid "Receipt for %(name)s"' in text
    assert "#. Translators: shown on the receipt" in text
    catalog = i18n.read_catalog(vi, "vi")
    ids = [str(m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog if m.id]
    assert ids == sorted(ids)
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in i18n.po_path(locale_dir, "en").read_text(
        encoding="utf-8"
    )


def test_update_keeps_translations_and_marks_removed_ones_obsolete(package: Path, tmp_path: Path):
    locale_dir = tmp_path / "locale"
    i18n.update(package, locale_dir)
    translate_all(locale_dir)
    source = package / "dossiers/models.py"
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace('_("code")', '_("agency")'), encoding="utf-8")
    i18n.update(package, locale_dir)
    vi = i18n.po_path(locale_dir, "vi")
    catalog = i18n.read_catalog(vi, "vi")
    assert entry(catalog, "Receipt for %(name)s").string == "VI:Receipt for %(name)s"
    assert catalog.get("code") is None
    assert '#~ msgid "code"\n#~ msgstr "VI:code"' in vi.read_text(encoding="utf-8")
    assert not entry(catalog, "agency").string

    source.write_text(original, encoding="utf-8")  # the msgid comes back with its translation
    i18n.update(package, locale_dir)
    catalog = i18n.read_catalog(vi, "vi")
    assert entry(catalog, "code").string == "VI:code"
    assert not entry(catalog, "code").fuzzy


def test_a_reworded_msgid_gets_a_fuzzy_suggestion_in_vi_only(package: Path, tmp_path: Path):
    locale_dir = tmp_path / "locale"
    i18n.update(package, locale_dir)
    translate_all(locale_dir)
    translate_all(locale_dir, "en", "EN:")
    source = package / "dossiers/models.py"
    text = source.read_text(encoding="utf-8").replace("Marked only", "Marked only.")
    source.write_text(text, encoding="utf-8")
    i18n.update(package, locale_dir)
    vi = entry(i18n.read_catalog(i18n.po_path(locale_dir, "vi"), "vi"), "Marked only.")
    assert vi.fuzzy
    assert vi.string == "VI:Marked only"
    assert '#| msgid "Marked only"' in i18n.po_path(locale_dir, "vi").read_text(encoding="utf-8")
    en = entry(i18n.read_catalog(i18n.po_path(locale_dir, "en"), "en"), "Marked only.")
    assert not en.fuzzy
    assert not en.string
    result = i18n.check(package, locale_dir)
    assert result.problems == [
        "vi/LC_MESSAGES/django.po: fuzzy 'Marked only.' — check and confirm it"
    ]


def test_untranslated_and_fuzzy_entries_stay_out_of_the_mo(tmp_path: Path):
    catalog = Catalog(locale="vi", domain="django")
    catalog.add("Done", "Xong")
    catalog.add("Empty", "")
    catalog.add("Guess", "Đoán", flags=["fuzzy"])
    catalog.add(("One", "%(n)s many"), ("",))
    compiled = gnu_gettext.GNUTranslations(io.BytesIO(i18n.compile_mo(catalog)))
    assert compiled.gettext("Done") == "Xong"
    assert compiled.gettext("Empty") == "Empty"
    assert compiled.gettext("Guess") == "Guess"
    assert compiled.ngettext("One", "%(n)s many", 3) == "%(n)s many"


# --- Check -----------------------------------------------------------------------------------


def test_check_passes_on_a_complete_compiled_catalogue(package: Path, tmp_path: Path, capsys):
    locale_dir = tmp_path / "locale"
    i18n.update(package, locale_dir)
    translate_all(locale_dir)
    i18n.update(package, locale_dir)
    assert i18n.check(package, locale_dir).problems == []
    code = i18n.main(["--check", "--source", str(package), "--locale-dir", str(locale_dir)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "i18n: 20 msgids, vi complete, .mo files up to date.\n"
    assert err == ""


def test_check_lists_every_problem(package: Path, tmp_path: Path, capsys):
    locale_dir = tmp_path / "locale"
    i18n.update(package, locale_dir)
    translate_all(locale_dir)
    vi = i18n.po_path(locale_dir, "vi")
    catalog = i18n.read_catalog(vi, "vi")
    entry(catalog, "Receipt for %(name)s").string = "Giấy tiếp nhận của %(ten)s"
    entry(catalog, "Save").string = ""
    entry(catalog, "Dossiers").flags.add("fuzzy")
    catalog.delete("Single quotes")
    vi.write_bytes(i18n.render_po(catalog))
    # The .mo was compiled before the edits above: it is now stale.
    write(package, "dossiers/extra.py", 'from x import _\nlabel = _(f"Step {n}")\n')

    code = i18n.main(["--check", "--source", str(package), "--locale-dir", str(locale_dir)])
    _, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 1
    assert lines[:-1] == [
        "pkg/dossiers/extra.py:2: the message of _() is an f-string; use a literal with "
        "%(name)s placeholders and format the result",
        "vi/LC_MESSAGES/django.po: fuzzy 'Dossiers' — check and confirm it",
        "vi/LC_MESSAGES/django.po: untranslated 'Save'",
        "vi/LC_MESSAGES/django.po: missing 'Single quotes' (pkg/web/templates/web/page.html)",
        "vi/LC_MESSAGES/django.po: placeholders of 'Receipt for %(name)s': "
        "msgid has %(name)s, msgstr has %(ten)s",
        "vi/LC_MESSAGES/django.mo: not the compilation of django.po; run `make messages`",
    ]
    assert lines[-1].startswith("i18n: 6 problem(s) with 20 msgids")


def test_check_reports_missing_files_and_stale_english(package: Path, tmp_path: Path):
    locale_dir = tmp_path / "locale"
    assert i18n.check(package, locale_dir).problems == [
        "vi/LC_MESSAGES/django.po: missing; run `make messages`",
        "en/LC_MESSAGES/django.po: missing; run `make messages`",
    ]
    i18n.update(package, locale_dir)
    translate_all(locale_dir)
    i18n.update(package, locale_dir)
    i18n.po_path(locale_dir, "en").with_suffix(".mo").unlink()
    write(package, "dossiers/more.py", 'from x import _\n_("New label")\n')
    en = i18n.po_path(locale_dir, "en")
    assert i18n.check(package, locale_dir).problems == [
        "vi/LC_MESSAGES/django.po: missing 'New label' (pkg/dossiers/more.py)",
        "en/LC_MESSAGES/django.po: 1 msgid(s) missing; run `make messages`",
        "en/LC_MESSAGES/django.mo: missing; run `make messages`",
    ]
    en.write_text('msgid "broken\n', encoding="utf-8")
    problems = i18n.check(package, locale_dir).problems
    assert problems[-1].startswith("en/LC_MESSAGES/django.po: cannot be read")


def test_module_runs_as_a_script(package: Path, tmp_path: Path):
    locale_dir = tmp_path / "locale"
    args = [sys.executable, "-m", "motcua.core.i18n", "--source", str(package)]
    args += ["--locale-dir", str(locale_dir)]
    made = subprocess.run(args, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    assert "vi: 20 msgids, 20 to translate, 0 obsolete (written)" in made.stdout
    checked = subprocess.run([*args, "--check"], capture_output=True, text=True, check=False)
    assert checked.returncode == 1
    assert "untranslated 'Dossiers'" in checked.stderr


# --- Placeholders ----------------------------------------------------------------------------


def message(msgid, string):
    return Message(msgid, string)


@pytest.mark.parametrize(
    ("msgid", "string", "problem"),
    [
        ("%(a)s and %(b)s", "%(b)s và %(a)s", None),  # order may change
        ("%(a)s", "%(a)s, %(a)s", None),  # repeating is harmless
        ("Rate 100%%", "Tỷ lệ 100%%", None),
        ("Rate 100%", "Tỷ lệ 100% số hồ sơ", None),  # not formatted: % is plain text
        ("On time: %(rate)s%%", "Đúng hạn: %(rate)s%", "msgstr has a lone %"),
        ("%(a)s", "%(a)d", "msgid has %(a)s, msgstr has %(a)d"),
        ("%(a)s", "không", "msgid has %(a)s, msgstr has none"),
        ("none", "%(x)s", "msgid has none, msgstr has %(x)s"),
        ("%s of %d", "%d của %s", "msgid has %s, %d, msgstr has %d, %s"),
        (("One dossier", "%(n)s dossiers"), ("%(n)s hồ sơ",), None),
        (
            ("%(n)s dossier", "%(n)s dossiers"),
            ("%(m)s hồ sơ",),
            "msgid has %(n)s, msgstr has %(m)s",
        ),
        (("One", "%(n)s of %(k)s"), ("%(n)s",), "msgid_plural has %(k)s, %(n)s, no msgstr"),
    ],
)
def test_placeholder_comparison(msgid, string, problem):
    found = i18n.placeholder_problem(message(msgid, string))
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="abc ờđ%", max_size=6),
            st.from_regex(r"%\([a-z_]{1,8}\)[sd]", fullmatch=True),
        ),
        max_size=6,
    )
)
def test_a_translation_that_keeps_the_msgid_text_never_differs(parts):
    msgid = "".join(parts)
    assert i18n.placeholder_problem(message(msgid, msgid)) is None
    assert i18n.placeholder_problem(message(msgid, "Dịch: " + msgid)) is None


def test_one_msgid_with_two_plural_forms_is_reported(tmp_path: Path):
    root = tmp_path / "pkg"
    write(root, "a.py", 'from x import _, ngettext\n_("dossier")\n')
    write(root, "b.py", 'from x import ngettext\n\nngettext("dossier", "dossiers", 2)\n')
    [error] = i18n.extract(root).errors
    assert str(error) == (
        "pkg/b.py:3: 'dossier' is used with plural 'dossiers' here and None in pkg/a.py:2; "
        "use one form or add a context"
    )


def test_check_notices_a_msgid_that_became_plural(tmp_path: Path):
    root = tmp_path / "pkg"
    source = write(root, "a.py", 'from x import _\n_("%(n)s dossier")\n')
    locale_dir = tmp_path / "locale"
    i18n.update(root, locale_dir)
    translate_all(locale_dir)
    i18n.update(root, locale_dir)
    source.write_text('from x import ngettext\nngettext("%(n)s dossier", "%(n)s dossiers", 2)\n')
    assert i18n.check(root, locale_dir).problems == [
        "vi/LC_MESSAGES/django.po: '%(n)s dossier' changed plural form; run make messages",
        "en/LC_MESSAGES/django.po: '%(n)s dossier' changed plural form; run make messages",
    ]
    i18n.update(root, locale_dir)  # the merge keeps the translation but asks to confirm it
    assert i18n.check(root, locale_dir).problems == [
        "vi/LC_MESSAGES/django.po: fuzzy '%(n)s dossier' — check and confirm it"
    ]
