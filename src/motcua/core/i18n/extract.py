"""Extraction of translatable strings from Python sources and Django templates.

Python is read with :mod:`ast`, so a msgid built at runtime (f-string, ``%`` or ``+`` before
translation, ``str.format``) is reported with its line instead of being mis-extracted.
Templates are read with Django's template lexer and the regular expressions ``makemessages``
uses, so the msgids are exactly those the ``i18n`` tags look up at runtime.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.template.base import Lexer, TokenType
from django.utils.translation import trim_whitespace
from django.utils.translation.template import (
    block_re,
    constant_re,
    context_re,
    endblock_re,
    inline_re,
    plural_re,
)

TRANSLATOR_TAG = "Translators"
SKIPPED_DIRS = frozenset({"tests", "migrations", "locale", "__pycache__", "static"})
TEMPLATE_SUFFIXES = (".html", ".txt")

# Positions of (context, singular, plural) among a keyword's arguments.
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


@dataclass(frozen=True)
class Found:
    """One translatable string at one place in the sources."""

    msgid: str
    plural: str | None
    context: str | None
    path: str
    lineno: int
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceError:
    path: str
    lineno: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.lineno}: {self.message}"


@dataclass
class Extraction:
    found: list[Found] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)


# --- Python sources --------------------------------------------------------------------------


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    # ``translation.gettext("…")``; ``obj._`` is too often something else.
    if isinstance(node.func, ast.Attribute) and node.func.attr != "_":
        return node.func.attr
    return None


def _runtime_built(arg: ast.expr) -> str | None:
    """Why ``arg`` cannot be a msgid, or None when it is a plain runtime lookup (a variable)."""
    if isinstance(arg, ast.JoinedStr):
        return "is an f-string; use a literal with %(name)s placeholders and format the result"
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
        return "is formatted before translation; write _('… %(name)s …') % {…}"
    if isinstance(arg, ast.BinOp):
        return "is built with an operator; write the whole message as one literal"
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Attribute)
        and arg.func.attr == "format"
        and isinstance(arg.func.value, ast.Constant)
    ):
        return "uses str.format; use a literal with %(name)s placeholders"
    return None


def _translator_comments(lines: Sequence[str], linenos: Iterable[int]) -> tuple[str, ...]:
    """The ``# Translators: …`` comment block right above one of ``linenos`` (1-based)."""
    for lineno in linenos:
        block: list[str] = []
        index = lineno - 2
        while index >= 0 and lines[index].lstrip().startswith("#"):
            block.insert(0, lines[index].lstrip()[1:].strip())
            index -= 1
        for start, text in enumerate(block):
            if text.startswith(TRANSLATOR_TAG):
                return tuple(block[start:])
    return ()


def extract_python(source: str, path: str) -> Extraction:
    result = Extraction()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        result.errors.append(SourceError(path, exc.lineno or 0, f"syntax error: {exc.msg}"))
        return result
    lines = source.splitlines()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name not in KEYWORDS:
            continue
        ctx_at, singular_at, plural_at = KEYWORDS[name]
        wanted = [i for i in (ctx_at, singular_at, plural_at) if i is not None]
        if len(node.args) <= max(wanted):
            continue
        texts: dict[int, str] = {}
        for index in wanted:
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                texts[index] = arg.value
                continue
            reason = _runtime_built(arg)
            if reason:
                result.errors.append(
                    SourceError(path, arg.lineno, f"the message of {name}() {reason}")
                )
            break
        else:
            msgid = texts[singular_at]
            if not msgid:
                result.errors.append(
                    SourceError(
                        path,
                        node.lineno,
                        f"empty message in {name}(): gettext('') returns the catalogue header",
                    )
                )
                continue
            result.found.append(
                Found(
                    msgid=msgid,
                    plural=texts[plural_at] if plural_at is not None else None,
                    context=texts[ctx_at] if ctx_at is not None else None,
                    path=path,
                    lineno=node.args[singular_at].lineno,
                    comments=_translator_comments(
                        lines, (node.lineno, node.args[singular_at].lineno)
                    ),
                )
            )
    result.found.sort(key=lambda f: f.lineno)
    return result


# --- Django templates ------------------------------------------------------------------------


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _literal_context(options: str | None) -> str | None:
    """The ``context "…"`` of a tag; a context from a variable cannot be extracted."""
    found = context_re.match(options) if options else None
    return _unquote(found[1]) if found else None


def extract_template(source: str, path: str) -> Extraction:
    """Msgids of a Django template, as the ``i18n`` tags look them up at runtime.

    Follows ``django.utils.translation.template.templatize`` (what ``makemessages`` feeds to
    xgettext): ``{% translate %}``, ``{% blocktranslate %}`` with ``{{ var }}`` as
    ``%(var)s``, ``count``/``plural``, ``context`` and ``trimmed``, and ``_("…")`` constants in
    tags and filters. A literal ``%`` becomes ``%%``, as Django's runtime lookup does.
    """
    result = Extraction()
    pending: tuple[int, tuple[str, ...]] | None = None  # (line it applies to, comment lines)

    def add(msgid: str, lineno: int, plural: str | None = None, ctx: str | None = None) -> None:
        nonlocal pending
        comments: tuple[str, ...] = ()
        if pending and pending[0] == lineno:
            comments = pending[1]
        pending = None
        if msgid:
            result.found.append(Found(msgid, plural, ctx, path, lineno, comments))
        else:
            result.errors.append(SourceError(path, lineno, "empty message in a translation tag"))

    def constants(text: str, lineno: int) -> None:
        for literal in constant_re.findall(text):
            add(_unquote(literal).replace("%", "%%"), lineno)

    in_block = in_plural = trimmed = in_comment = False
    block_line = 0
    block_ctx: str | None = None
    singular: list[str] = []
    plural: list[str] = []
    comment: list[str] = []
    try:
        tokens = Lexer(source).tokenize()
    except Exception as exc:  # the lexer only raises on malformed input; report, don't crash
        result.errors.append(SourceError(path, 0, f"cannot read template: {exc}"))
        return result
    for token in tokens:
        kind, contents, lineno = token.token_type, token.contents, token.lineno or 0
        if in_comment:
            if kind == TokenType.BLOCK and contents == "endcomment":
                text = "".join(comment).strip().splitlines()
                marks = [
                    i for i, line in enumerate(text) if line.strip().startswith(TRANSLATOR_TAG)
                ]
                if marks:
                    pending = (lineno + 1, tuple(line.strip() for line in text[marks[0] :]))
                in_comment, comment = False, []
            else:
                comment.append(contents)
        elif in_block:
            if kind == TokenType.BLOCK and endblock_re.match(contents):
                one, many = "".join(singular), "".join(plural)
                if trimmed:
                    one, many = trim_whitespace(one), trim_whitespace(many)
                add(one, block_line, many if in_plural else None, block_ctx)
                in_block = in_plural = False
            elif kind == TokenType.BLOCK and plural_re.match(contents):
                in_plural = True
            elif kind == TokenType.BLOCK:
                result.errors.append(
                    SourceError(
                        path,
                        lineno,
                        f"translation blocks must not include other block tags: {{% {contents} %}}",
                    )
                )
                in_block = False
            elif kind == TokenType.VAR:
                (plural if in_plural else singular).append(f"%({contents})s")
            elif kind == TokenType.TEXT:
                (plural if in_plural else singular).append(contents.replace("%", "%%"))
        elif kind == TokenType.BLOCK:
            inline = inline_re.match(contents)
            block = block_re.match(contents)
            if inline:
                ctx = _literal_context(inline[2])
                add(_unquote(inline[1]).replace("%", "%%"), lineno, None, ctx)
            elif block:
                constants(contents, lineno)
                in_block, in_plural, block_line = True, False, lineno
                block_ctx = _literal_context(block[1])
                trimmed = "trimmed" in token.split_contents()
                singular, plural = [], []
            elif contents == "comment":
                in_comment = True
            else:
                constants(contents, lineno)
        elif kind == TokenType.VAR:
            constants(contents, lineno)
        elif kind == TokenType.COMMENT and contents.strip().startswith(TRANSLATOR_TAG):
            pending = (lineno + 1, (contents.strip(),))
    if in_block:
        result.errors.append(SourceError(path, block_line, "unclosed {% blocktranslate %}"))
    return result


def source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or SKIPPED_DIRS.intersection(parts[:-1]):
            continue
        is_python = path.suffix == ".py" and path.name != "conftest.py"
        is_template = path.suffix in TEMPLATE_SUFFIXES and "templates" in parts[:-1]
        if is_python or is_template:
            yield path


def extract(root: Path) -> Extraction:
    """Every msgid under ``root`` (a package directory), with locations relative to its parent."""
    total = Extraction()
    for path in source_files(root):
        shown = path.relative_to(root.parent).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            total.errors.append(SourceError(shown, 0, "not UTF-8"))
            continue
        part = (
            extract_python(text, shown) if path.suffix == ".py" else extract_template(text, shown)
        )
        total.found += part.found
        total.errors += part.errors
    total.errors += _plural_conflicts(total.found)
    return total


def _plural_conflicts(found: Iterable[Found]) -> list[SourceError]:
    """One msgid used with different plurals (or with and without one): a catalogue holds one
    entry per msgid, so one of the lookups would never be translated."""
    first: dict[tuple[str, str | None], Found] = {}
    errors = []
    for item in found:
        seen = first.setdefault((item.msgid, item.context), item)
        if seen.plural != item.plural:
            errors.append(
                SourceError(
                    item.path,
                    item.lineno,
                    f"{item.msgid!r} is used with plural {item.plural!r} here and "
                    f"{seen.plural!r} in {seen.path}:{seen.lineno}; use one form or add a context",
                )
            )
    return errors
