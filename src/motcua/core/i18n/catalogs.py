"""The catalogues: merge extracted msgids into ``.po`` files, compile ``.mo`` files, check.

The ``.po`` files are written sorted, without line numbers, and their header dates change only
when their content does, so a code change shows in the catalogue diff only when a message
changes. ``.mo`` files hold only complete, confirmed translations.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from motcua.core.i18n.extract import Extraction, Found, extract

DOMAIN = "django"
LOCALES = ("vi", "en")
# The catalogue that must be complete; English msgids are already the English text.
REQUIRED_LOCALE = "vi"

HEADER_COMMENT = """\
# {language} translations of motcua.
# This file is distributed under the same license as the motcua project.
# Updated by `make messages` (python -m motcua.core.i18n). Edit msgstr lines
# only, then run `make messages` again to compile the .mo file."""

PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)


def template_catalog(found: Iterable[Found]) -> Catalog:
    catalog = Catalog(domain=DOMAIN, fuzzy=False)
    for item in found:
        msgid = (item.msgid, item.plural) if item.plural is not None else item.msgid
        catalog.add(
            msgid,
            locations=[(item.path, item.lineno)],
            auto_comments=item.comments,
            context=item.context,
        )
    return catalog


def _normalise_header(catalog: Catalog, locale: str) -> None:
    catalog.project = "motcua"
    catalog.version = "1"
    catalog.copyright_holder = "motcua contributors"
    catalog.msgid_bugs_address = "motcua contributors"
    catalog.last_translator = "motcua contributors"
    catalog.language_team = {"vi": "Vietnamese", "en": "English"}.get(locale, locale)
    catalog.fuzzy = False
    language = catalog.locale.english_name if catalog.locale else locale
    catalog.header_comment = HEADER_COMMENT.format(language=language)


def po_path(locale_dir: Path, locale: str) -> Path:
    return locale_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN, abort_invalid=True)


def merge(template: Catalog, existing: Catalog | None, locale: str) -> Catalog:
    """``existing`` updated to ``template``: translations kept, removed msgids made obsolete.

    A msgid that comes back gets its obsolete translation again. For vi, a new msgid close to
    a translated one gets that translation marked fuzzy, as msgmerge does; the check refuses
    fuzzy entries, so a translator has to confirm it.
    """
    catalog = existing or Catalog(locale=locale, domain=DOMAIN)
    for message in list(catalog.obsolete.values()):
        if message.id and catalog.get(message.id, message.context) is None:
            catalog[message.id] = message
    catalog.obsolete.clear()
    catalog.update(
        template, no_fuzzy_matching=locale != REQUIRED_LOCALE, update_creation_date=False
    )
    _normalise_header(catalog, locale)
    return catalog


def render_po(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, sort_output=True, include_lineno=False, include_previous=True)
    return buf.getvalue()


def compile_mo(catalog: Catalog) -> bytes:
    """The .mo of a catalogue: only complete, confirmed translations, so that anything else
    falls back to the English msgid (an empty msgstr in a .mo would show as an empty string)."""
    compiled = Catalog(locale=catalog.locale_identifier, domain=DOMAIN, fuzzy=False)
    compiled.mime_headers = catalog.mime_headers
    for message in catalog:
        if message.id and not message.fuzzy and _complete(message):
            compiled[message.id] = message
    buf = io.BytesIO()
    write_mo(buf, compiled)
    return buf.getvalue()


def _complete(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return bool(strings) and all(strings)


@dataclass
class UpdateSummary:
    locale: str
    total: int
    untranslated: int
    obsolete: int
    written: bool


def update(root: Path, locale_dir: Path) -> tuple[Extraction, list[UpdateSummary]]:
    """``make messages``: extract, merge into every locale, write .po and .mo when changed."""
    extraction = extract(root)
    summaries = []
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        old_text = path.read_bytes() if path.exists() else None
        existing = read_catalog(path, locale) if path.exists() else None
        catalog = merge(template_catalog(extraction.found), existing, locale)
        text = render_po(catalog)
        if text != old_text:
            catalog.creation_date = datetime.now(UTC).replace(second=0, microsecond=0)
            if existing is None:
                catalog.revision_date = catalog.creation_date
            text = render_po(catalog)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text)
        mo = compile_mo(read_catalog(path, locale))
        mo_path = path.with_suffix(".mo")
        changed = text != old_text or not mo_path.exists() or mo_path.read_bytes() != mo
        if changed:
            mo_path.write_bytes(mo)
        messages = [m for m in catalog if m.id]
        summaries.append(
            UpdateSummary(
                locale=locale,
                total=len(messages),
                untranslated=sum(1 for m in messages if m.fuzzy or not _complete(m)),
                obsolete=len(catalog.obsolete),
                written=changed,
            )
        )
    return extraction, summaries


# --- Check -----------------------------------------------------------------------------------


def placeholders(text: str) -> tuple[set[tuple[str, str]], list[str]]:
    """Named ``%(name)s`` placeholders as (name, conversion), and unnamed conversions in order."""
    named: set[tuple[str, str]] = set()
    unnamed: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"] is not None:
            named.add((match["name"], match["conv"]))
        else:
            unnamed.append(match["conv"])
    return named, unnamed


def _show(named: set[tuple[str, str]], unnamed: list[str]) -> str:
    shown = [f"%({name}){conv}" for name, conv in sorted(named)] + [f"%{c}" for c in unnamed]
    return ", ".join(shown) or "none"


def _lone_percent(text: str) -> bool:
    return "%" in PLACEHOLDER.sub("", text)


def placeholder_problem(message: Message) -> str | None:
    """How the placeholders of a translation differ from its msgid's, or None.

    Only msgids with a placeholder (or ``%%``) are formatted, so only they are compared; a
    translation of any other msgid must simply not introduce a named placeholder.
    """
    ids = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    strings = [s for s in strings if s]
    if not any(PLACEHOLDER.search(i) for i in ids):
        invented = set().union(*(placeholders(s)[0] for s in strings))
        return f"msgid has none, msgstr has {_show(invented, [])}" if invented else None
    expected = [placeholders(i) for i in ids]
    named_union = set().union(*(n for n, _ in expected))
    for string in strings:
        named, unnamed = placeholders(string)
        if _lone_percent(string) and not any(_lone_percent(i) for i in ids):
            return "msgstr has a lone %; write %% for a percent sign"
        if len(ids) == 1:
            if (named, unnamed) != expected[0]:
                return f"msgid has {_show(*expected[0])}, msgstr has {_show(named, unnamed)}"
        elif not named <= named_union:
            # A plural form may leave out the count ("One dossier") but never invent a name.
            return f"msgid has {_show(named_union, [])}, msgstr has {_show(named, unnamed)}"
    if len(ids) > 1 and strings:
        used = set().union(*(placeholders(s)[0] for s in strings))
        if not expected[-1][0] <= used:
            return f"msgid_plural has {_show(*expected[-1])}, no msgstr form uses them all"
    return None


def _singular(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def _describe(message: Message) -> str:
    msgid = _singular(message)
    ctx = f" (context {message.context!r})" if message.context else ""
    return f"{msgid!r}{ctx}"


@dataclass
class CheckResult:
    msgids: int
    problems: list[str]


def check(root: Path, locale_dir: Path) -> CheckResult:
    extraction = extract(root)
    template = template_catalog(extraction.found)
    wanted = sorted((m for m in template if m.id), key=lambda m: (_singular(m), m.context or ""))
    problems = [str(e) for e in extraction.errors]
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        shown = f"{locale}/LC_MESSAGES/{path.name}"
        if not path.exists():
            problems.append(f"{shown}: missing; run `make messages`")
            continue
        try:
            catalog = read_catalog(path, locale)
        except PoFileError as exc:
            problems.append(f"{shown}: cannot be read: {exc}")
            continue
        missing = 0
        for message in wanted:
            translated = catalog.get(message.id, message.context)
            where = ", ".join(sorted({p for p, _ in message.locations}))
            if translated is None:
                missing += 1
                if locale == REQUIRED_LOCALE:
                    problems.append(f"{shown}: missing {_describe(message)} ({where})")
            elif isinstance(translated.id, tuple | list) != isinstance(message.id, tuple):
                problems.append(
                    f"{shown}: {_describe(message)} changed plural form; run make messages"
                )
            elif locale == REQUIRED_LOCALE and translated.fuzzy:
                problems.append(f"{shown}: fuzzy {_describe(message)} — check and confirm it")
            elif locale == REQUIRED_LOCALE and not _complete(translated):
                problems.append(f"{shown}: untranslated {_describe(message)}")
        if missing and locale != REQUIRED_LOCALE:
            problems.append(f"{shown}: {missing} msgid(s) missing; run `make messages`")
        for message in catalog:
            if message.id and not message.fuzzy:
                problem = placeholder_problem(message)
                if problem:
                    problems.append(f"{shown}: placeholders of {_describe(message)}: {problem}")
        mo_path = path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{locale}/LC_MESSAGES/{mo_path.name}: missing; run `make messages`")
        elif mo_path.read_bytes() != compile_mo(catalog):
            problems.append(
                f"{locale}/LC_MESSAGES/{mo_path.name}: not the compilation of {path.name}; "
                "run `make messages`"
            )
    return CheckResult(msgids=len(wanted), problems=problems)
