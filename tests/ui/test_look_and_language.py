"""Catalogues complete, the CJK font covers every string (no tofu), colours readable,
sounds distinct. Pure checks: no window needed."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTCollection, TTFont

from kiosk.ui import palette
from kiosk.ui.app import cjk_font
from kiosk.ui.i18n import LANGUAGES, extract_messages, read_catalogue, translations

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def test_every_string_on_the_screens_is_in_the_catalogue_and_translated() -> None:
    used = {m.id for m in extract_messages() if m.id}
    assert len(used) > 100  # the extractor found the screens' strings (.py and .kv)
    assert "Please show your health code" in used and "Record temperature" in used
    cat = read_catalogue("zh_CN")
    translated = {m.id: m.string for m in cat if m.id}
    missing = sorted(used - set(translated))
    assert not missing, f"run `python -m kiosk.ui.i18n update` and translate: {missing}"
    untranslated = sorted(k for k, v in translated.items() if not v)
    assert not untranslated, untranslated
    stale = sorted(set(translated) - used)
    assert not stale, f"strings no screen uses any more: {stale}"


def test_placeholders_survive_translation() -> None:
    for msg in read_catalogue("zh_CN"):
        if msg.id:
            assert sorted(PLACEHOLDER.findall(msg.id)) == sorted(PLACEHOLDER.findall(msg.string)), msg.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_compile_with_babel(lang: str) -> None:
    t = translations(lang)
    expected = {"zh_CN": "请出示健康码", "en": "Please show your health code"}[lang]
    assert t.gettext("Please show your health code") == expected


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        translations("fr")


def _cmap(path: str) -> set[int]:
    font = TTCollection(path).fonts[0] if path.endswith(".ttc") else TTFont(path)
    return set(font.getBestCmap())


def _literal_kv_texts() -> set[str]:
    """Texts written straight into .kv rules (symbols, the other-language prompt)."""
    out = set()
    for kv in UI.rglob("*.kv"):
        out.update(re.findall(r'"([^"]*)"', kv.read_text(encoding="utf-8")))
    return out


def test_the_cjk_font_has_a_glyph_for_every_character_shown() -> None:
    covered = _cmap(cjk_font())
    texts = {t for m in read_catalogue("zh_CN") for t in (m.id, m.string) if t} | _literal_kv_texts()
    texts |= set("0123456789.X←·●—°") | {"中", "EN", "中文", "English"}
    missing = sorted({ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in covered})
    assert not missing, f"tofu: no glyph for {[f'{c} U+{ord(c):04X}' for c in missing]}"


@pytest.mark.parametrize(("name", "fg", "bg"), palette.TEXT_PAIRS, ids=[p[0] for p in palette.TEXT_PAIRS])
def test_text_contrast_at_least_4_5(name: str, fg: str, bg: str) -> None:
    assert palette.contrast_ratio(fg, bg) >= 4.5


@pytest.mark.parametrize(("a", "b", "ratio"), [("#000000", "#FFFFFF", 21.0), ("#777777", "#777777", 1.0), ("#767676", "#FFFFFF", 4.54)])
def test_contrast_arithmetic(a: str, b: str, ratio: float) -> None:
    assert palette.contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)


def _dominant_hz(path: Path) -> float:
    with wave.open(str(path)) as w:
        rate, data = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(data))
    return float(np.fft.rfftfreq(len(data), 1 / rate)[int(np.argmax(spectrum))])


def test_sounds_are_made_by_the_script_and_tell_pass_from_deny(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_sounds", UI.parents[1] / "tools" / "make_sounds.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    made = {p.stem: p for p in mod.write_all(tmp_path)}
    for name, path in made.items():  # the committed files are exactly what the script makes
        assert path.read_bytes() == (UI.parents[1] / "assets" / "sounds" / f"{name}.wav").read_bytes()
    assert _dominant_hz(made["deny"]) == pytest.approx(220, abs=10)  # low buzz
    assert _dominant_hz(made["pass"]) > 800  # high, rising chime
    assert _dominant_hz(made["review"]) == pytest.approx(660, abs=10)
