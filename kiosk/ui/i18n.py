"""Message catalogues (gettext .po files, handled with Babel). No Kivy here.

Source strings are English msgids; `kiosk/ui/locale/<lang>/LC_MESSAGES/kiosk.po` holds the
translations (zh_CN is the default language of the screens). The .po files are the only
thing kept in git: they are compiled to .mo form with Babel in memory when loaded, so a
clean clone works without a build step and a stale .mo can never be shown.

`python -m kiosk.ui.i18n update` re-extracts every `_("...")` from kiosk/ui (Python and
.kv files) and merges new strings into each catalogue (new ones get an empty msgstr for
a translator; a test fails until every one is translated).
"""

from __future__ import annotations

import gettext
import io
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

UI_DIR = Path(__file__).resolve().parent
LOCALE_DIR = UI_DIR / "locale"
DOMAIN = "kiosk"
LANGUAGES = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later (tables of reasons)."""
    return message


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    with open(po_path(lang), "rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue for `lang`, compiled with Babel; English needs none (msgids are English)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    path = po_path(lang)
    if not path.exists():
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, read_catalogue(lang), use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


_KV_CALL = re.compile(r"""\b_\(\s*(?P<q>["'])(?P<msg>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*\)""")


def extract_kv(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for .kv files: finds `_("...")` calls (kv is not valid Python)."""
    for lineno, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        for m in _KV_CALL.finditer(raw):
            yield lineno, "_", m.group("msg").encode().decode("unicode_escape"), []


METHOD_MAP = [("**.py", "python"), ("**.kv", "kiosk.ui.i18n:extract_kv")]


def extract_messages() -> Catalog:
    """Every translatable string used by the screens."""
    cat = Catalog(domain=DOMAIN, project="checkpoint-kiosk")
    keywords = {"_": None, "N_": None}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(UI_DIR), METHOD_MAP, keywords=keywords
    ):
        cat.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return cat


def update_catalogues() -> list[str]:
    """Merge freshly extracted strings into every .po; returns the untranslated msgids."""
    template = extract_messages()
    missing: list[str] = []
    for lang in LANGUAGES:
        if lang == "en":
            continue
        path = po_path(lang)
        if path.exists():
            cat = read_catalogue(lang)
            cat.update(template, no_fuzzy_matching=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=lang, domain=DOMAIN, project="checkpoint-kiosk")
            for msg in template:
                if msg.id:
                    cat.add(msg.id, "", msg.locations)
        with open(path, "wb") as fh:
            write_po(fh, cat, omit_header=False, sort_output=True, ignore_obsolete=True, include_lineno=False)
        missing += [f"{lang}: {m.id}" for m in cat if m.id and not m.string]
    return missing


if __name__ == "__main__":
    if sys.argv[1:] != ["update"]:
        print("usage: python -m kiosk.ui.i18n update", file=sys.stderr)
        sys.exit(2)
    untranslated = update_catalogues()
    for line in untranslated:
        print("untranslated:", line)
    sys.exit(1 if untranslated else 0)
