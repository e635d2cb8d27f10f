"""Translation catalogues without GNU gettext: extract, merge, compile and check with Babel.

    python -m motcua.core.i18n           # extract msgids, merge into vi and en, compile .mo
    python -m motcua.core.i18n --check   # fail if vi is incomplete or a .mo file is stale

A fresh machine has Python and make but not ``xgettext``/``msgfmt``, so Django's
``makemessages``/``compilemessages`` are not available; this package does their work in pure
Python (``extract``: sources to msgids; ``catalogs``: .po merge, .mo compilation, the check).
See docs/adr/0002-translations.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.pofile import PoFileError

from motcua.core.i18n.catalogs import (
    DOMAIN,
    LOCALES,
    REQUIRED_LOCALE,
    CheckResult,
    UpdateSummary,
    check,
    compile_mo,
    merge,
    placeholder_problem,
    placeholders,
    po_path,
    read_catalog,
    render_po,
    template_catalog,
    update,
)
from motcua.core.i18n.extract import (
    KEYWORDS,
    Extraction,
    Found,
    SourceError,
    extract,
    extract_python,
    extract_template,
    source_files,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent

__all__ = [
    "DOMAIN",
    "KEYWORDS",
    "LOCALES",
    "PACKAGE_DIR",
    "REQUIRED_LOCALE",
    "CheckResult",
    "Extraction",
    "Found",
    "SourceError",
    "UpdateSummary",
    "check",
    "compile_mo",
    "extract",
    "extract_python",
    "extract_template",
    "main",
    "merge",
    "placeholder_problem",
    "placeholders",
    "po_path",
    "read_catalog",
    "render_po",
    "source_files",
    "template_catalog",
    "update",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m motcua.core.i18n",
        description="Extract translatable strings, update the vi and en catalogues and compile "
        "them (default), or check that they are complete and compiled (--check).",
    )
    parser.add_argument("--check", action="store_true", help="only check; write nothing")
    parser.add_argument("--source", type=Path, default=PACKAGE_DIR, help="package directory")
    parser.add_argument("--locale-dir", type=Path, help="default: SOURCE/locale")
    args = parser.parse_args(argv)
    root: Path = args.source.resolve()
    locale_dir: Path = args.locale_dir or root / "locale"

    if args.check:
        result = check(root, locale_dir)
        if result.problems:
            for problem in result.problems:
                print(problem, file=sys.stderr)
            print(
                f"i18n: {len(result.problems)} problem(s) with {result.msgids} msgids; fix the "
                "code or translate in locale/vi/LC_MESSAGES/django.po, then run `make messages`.",
                file=sys.stderr,
            )
            return 1
        print(f"i18n: {result.msgids} msgids, vi complete, .mo files up to date.")
        return 0

    try:
        extraction, summaries = update(root, locale_dir)
    except PoFileError as exc:
        print(f"i18n: a catalogue cannot be read: {exc}", file=sys.stderr)
        return 1
    for s in summaries:
        state = "written" if s.written else "unchanged"
        todo = f", {s.untranslated} to translate" if s.locale == REQUIRED_LOCALE else ""
        print(f"{s.locale}: {s.total} msgids{todo}, {s.obsolete} obsolete ({state})")
    for error in extraction.errors:
        print(error, file=sys.stderr)
    return 1 if extraction.errors else 0
