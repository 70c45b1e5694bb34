"""Vietnamese and English: the language in use, the message catalogue, and where terms come from.

Every text a planner reads is written in English in the code, wrapped in :func:`gettext` (``_``),
and translated by a standard gettext catalogue, ``dxsim/i18n/locale/vi/LC_MESSAGES/dxsim.po``,
which a Vietnamese reviewer can read and correct with any PO editor (Poedit, Lokalize, Weblate).
Babel compiles it in memory when first needed (:func:`translations`), so there is no build step
and no binary file in the repository. Field and metric identifiers stay English everywhere: only
their labels are translated, so scripts reading the files do not break.

The language: :func:`set_language` (the CLI's ``--lang``), else the environment variable
``DXSIM_LANG``, else English. Numbers, dates and money follow the language's conventions through
Babel's CLDR data (:mod:`dxsim.i18n.formats`). The terms are those of the seed reports; the
glossary (``glossary.csv``) lists each with its source.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LANGS = ("en", "vi")
DEFAULT = "en"
ENV = "DXSIM_LANG"
DOMAIN = "dxsim"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
GLOSSARY = Path(__file__).resolve().parent / "glossary.csv"
LANG_ALLOWED = "vi (Tiếng Việt) or en (English)"

_chosen: ContextVar[str | None] = ContextVar("dxsim_lang", default=None)


class UnknownLanguage(ValueError):
    """Not vi or en (the caller turns it into its one-line input error, naming its own field)."""


def check_language(lang: str) -> str:
    """`lang` normalised ("VI" -> "vi", "vi_VN" -> "vi"); :class:`UnknownLanguage` if neither vi nor en."""
    norm = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if norm not in LANGS:
        raise UnknownLanguage(lang)
    return norm


# what people type for a language dxsim has, by the language (the country code, the language's own name, ...)
_LIKE = {
    "vi": ("vn", "vie", "viet", "vietnam", "vietnamese", "tiếng việt", "tieng viet", "tiengviet"),
    "en": ("eng", "english", "gb", "uk", "us"),
}


def language_like(text: str) -> str | None:
    """The language `text` most likely means ("vn" -> "vi", the country's code typed for the language's), or None.
    Why: `--lang vn` said "unknown language" with no hint, as a misspelt scenario key is given one."""
    t = str(text).strip().lower()
    return next((code for code, words in _LIKE.items() if t in words), None)


def unknown_language_message(text: str) -> str:
    """ "unknown language", and the language `text` most likely means when there is one (see language_like)."""
    like = language_like(text)
    return gettext("unknown language") + (
        "; " + gettext("did you mean {name}?").format(name=repr(like)) if like else ""
    )


def set_language(lang: str | None, *, children: bool = False) -> str:
    """Use `lang` from now on in this context (None: back to DXSIM_LANG or English); returns the one in use.

    `children=True` (the CLI) also sets DXSIM_LANG, so the processes a command starts (pool workers, the
    output helper) write in the same language.
    """
    _chosen.set(None if lang is None else check_language(lang))
    if children and lang is not None:
        os.environ[ENV] = language()
    return language()


def language() -> str:
    """The language in use: set_language(), else DXSIM_LANG (ignored if not vi/en), else English."""
    lang = _chosen.get()
    if lang is not None:
        return lang
    env = os.environ.get(ENV, "").strip().lower()[:2]
    return env if env in LANGS else DEFAULT


@contextmanager
def in_language(lang: str) -> Iterator[str]:
    """Write in `lang` inside the block, then back to the language in use before it (this context only).

    Why: a text kept for every language (the villages' reasons in the prepared world) is written once in each,
    so a run in another language reads its own instead of preparing the world again."""
    token = _chosen.set(check_language(lang))
    try:
        yield language()
    finally:
        _chosen.reset(token)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> Any:
    """The gettext translations of `lang` (English: the identity), compiled from its .po by Babel."""
    import gettext as _gettext

    if lang == DEFAULT:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with open(catalog_path(lang), "rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def gettext(message: str) -> str:
    """`message` (English, the msgid) in the language in use."""
    return str(translations(language()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(language()).ngettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on where it is used (e.g. a column header vs a sentence)."""
    return str(translations(language()).pgettext(context, message))


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it now (translated later with gettext)."""
    return message


_ = gettext
