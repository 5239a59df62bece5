"""Console message catalogues (gettext .po, compiled with Babel in memory, as kiosk/ui/i18n.py does).

English msgids in the templates and route modules; `locale/zh_CN/LC_MESSAGES/console.po` holds the
Chinese, the default language. `python -m sync.server.console.i18n update` merges newly marked strings
into the catalogue (a test fails until each one is translated).
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
LOCALE_DIR = HERE / "locale"
DOMAIN = "console"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    with open(po_path(lang), "rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def pick_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    if lang == "en" or not po_path(lang).exists():
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, read_catalogue(lang), use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def extract_messages() -> Catalog:
    cat = Catalog(domain=DOMAIN, project="checkpoint-kiosk")
    for filename, lineno, message, comments, context in extract_from_dir(str(HERE), METHOD_MAP, keywords=KEYWORDS):
        cat.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return cat


def update_catalogues() -> list[str]:
    """Merge freshly extracted strings into the Chinese catalogue; returns the untranslated msgids."""
    template = extract_messages()
    path = po_path("zh_CN")
    if path.exists():
        cat = read_catalogue("zh_CN")
        cat.update(template, no_fuzzy_matching=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        cat = Catalog(locale="zh_CN", domain=DOMAIN, project="checkpoint-kiosk")
        for msg in template:
            if msg.id:
                cat.add(msg.id, "", msg.locations)
    with open(path, "wb") as fh:
        write_po(fh, cat, omit_header=False, sort_output=True, ignore_obsolete=True, include_lineno=False)
    return [str(m.id) for m in cat if m.id and not m.string]


# Words the templates translate from data (roles, alert kinds, report columns): listed here for extraction.
TERMS = (
    N_("admin"), N_("staff"), N_("viewer"),
    N_("fever-confirmed"), N_("red-code"), N_("alert"),
    N_("review"), N_("red_codes"), N_("fevers"), N_("alerts"), N_("alerts_open"),
)


if __name__ == "__main__":
    if sys.argv[1:] != ["update"]:
        print("usage: python -m sync.server.console.i18n update", file=sys.stderr)
        sys.exit(2)
    missing = update_catalogues()
    for line in missing:
        print("untranslated:", line)
    sys.exit(1 if missing else 0)

