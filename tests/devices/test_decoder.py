"""QR decoding: the shared DCC pictures, hostile frames, text encodings, QR-only, grey conversion."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
import zxingcpp

from kiosk.devices import synth
from kiosk.devices.decoder import DecodePipeline, normalise, to_gray
from kiosk.devices.images import ImageError, decode_image_bytes
from tests.devices.dcc_cases import NO_CASE, PICTURE_DIFFERS, QrCase, qr_cases

BACKENDS = ("zxing", "pyzbar")


@pytest.fixture(scope="module")
def cases(shared_dir: Path) -> list[QrCase]:
    found = qr_cases(shared_dir / "testdata" / "dcc")
    assert len(found) > 200, "the shared DCC pictures were not found"
    return found


@pytest.fixture(scope="module", params=BACKENDS)
def pipeline(request: pytest.FixtureRequest) -> DecodePipeline:
    return DecodePipeline(request.param, "min")


def qr_picture(payload: str | bytes, *, eci: bool = False, px: int = 6,
               fg: tuple[int, int, int] = (0, 0, 0), bg: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    qr = segno.make_qr(payload, error="m", eci=eci) if eci else segno.make_qr(payload, error="m")
    matrix = np.pad(np.array(qr.matrix, dtype=np.uint8), 4)
    img = np.where(matrix[:, :, None] == 1, np.array(fg, np.uint8), np.array(bg, np.uint8)).astype(np.uint8)
    return cv2.resize(img, None, fx=px, fy=px, interpolation=cv2.INTER_NEAREST)


def test_every_dcc_picture_decodes_to_its_prefix(cases: list[QrCase], pipeline: DecodePipeline) -> None:
    wrong, checked = [], 0
    for case in cases:
        if not case.readable or case.name in PICTURE_DIFFERS or case.name in NO_CASE:
            continue
        assert case.image_bytes is not None, case.name
        codes = pipeline.decode(decode_image_bytes(case.image_bytes))
        checked += 1
        if codes != [case.prefix]:
            wrong.append((case.name, [c[:40] for c in codes]))
    assert checked >= 230
    assert not wrong, f"{pipeline.name}: {len(wrong)} pictures decoded wrongly: {wrong[:5]}"


def test_pictures_that_hold_another_certificate_are_read_as_they_are(cases: list[QrCase]) -> None:
    """Upstream data quirk: both decoders read the same well-formed HC1 text, not the PREFIX."""
    by_name = {c.name: c for c in cases}
    assert PICTURE_DIFFERS | NO_CASE <= set(by_name), "the listed upstream cases are gone: update the lists"
    zx, zb = DecodePipeline("zxing"), DecodePipeline("pyzbar")
    for name in sorted(PICTURE_DIFFERS | NO_CASE):
        case = by_name[name]
        assert case.image_bytes is not None
        image = decode_image_bytes(case.image_bytes)
        codes = zx.decode(image)
        assert len(codes) == 1 and codes[0].startswith("HC1:"), name
        assert zb.decode(image) == codes, name
        assert codes[0] != case.prefix, f"{name} now matches its PREFIX: move it back to the main test"


def test_the_case_marked_unreadable_gives_a_clear_error(cases: list[QrCase]) -> None:
    unreadable = [c for c in cases if not c.readable]
    assert [c.name for c in unreadable] == ["common/2DCode/raw/Q1.json#2DCODE"]
    with pytest.raises(ImageError, match="not an image"):
        decode_image_bytes(unreadable[0].image_bytes or b"")


HOSTILE = {
    "garbage": lambda: np.random.default_rng(7).integers(0, 256, (720, 1280, 3), dtype=np.uint8),
    "black": lambda: np.zeros((720, 1280, 3), np.uint8),
    "white": lambda: np.full((720, 1280), 255, np.uint8),
    "1x1": lambda: np.zeros((1, 1, 3), np.uint8),
    "1x1 grey": lambda: np.zeros((1, 1), np.uint8),
    "empty": lambda: np.zeros((0, 0, 3), np.uint8),
    "8000x8000 garbage": lambda: np.random.default_rng(8).integers(0, 256, (8000, 8000), dtype=np.uint8),
    "8000x8000 black": lambda: np.zeros((8000, 8000, 3), np.uint8),
    "thin strip": lambda: np.zeros((4, 5000, 3), np.uint8),
    "float NaN": lambda: np.full((100, 100), np.nan),
    "two channels": lambda: np.zeros((100, 100, 2), np.uint8),
    "4-D": lambda: np.zeros((2, 100, 100, 3), np.uint8),
    "not an array": lambda: "HC1:not a picture",
    "None": lambda: None,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_frames_give_no_code_and_no_crash(pipeline: DecodePipeline, name: str) -> None:
    assert pipeline.decode(HOSTILE[name]()) == []


def test_a_code_in_an_8000px_frame_is_still_found(pipeline: DecodePipeline) -> None:
    big = np.full((8000, 8000, 3), 255, np.uint8)
    code = qr_picture("https://jkm.example.gov.cn/v?t=big-frame", px=40)
    big[3000:3000 + code.shape[0], 3000:3000 + code.shape[1]] = code
    assert pipeline.decode(big) == ["https://jkm.example.gov.cn/v?t=big-frame"]


@pytest.mark.parametrize("eci", [False, True], ids=["no ECI", "ECI"])
@pytest.mark.parametrize("text", ["Müller", "张三 https://jkm.example.gov.cn/v?t=1", "Ærø-Łódź", "plain"])
def test_unicode_payloads_come_back_exactly(pipeline: DecodePipeline, text: str, eci: bool) -> None:
    payload: str | bytes = text if eci else text.encode("utf-8")  # bytes: segno writes no ECI header
    assert pipeline.decode(qr_picture(payload, eci=eci)) == [text]


@pytest.mark.parametrize("fmt", ["EAN13", "Code128", "DataMatrix", "PDF417", "Aztec"])
def test_only_qr_codes_are_read(pipeline: DecodePipeline, fmt: str) -> None:
    content = {"EAN13": "5901234123457"}.get(fmt, "HC1:NOT-A-QR-CODE")
    img = np.array(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, fmt)), scale=4))
    assert pipeline.decode(np.pad(img, 40, constant_values=255)) == []


def test_several_codes_in_one_frame_are_all_returned(pipeline: DecodePipeline) -> None:
    frame = np.full((600, 1200, 3), 255, np.uint8)
    a, b = qr_picture("CODE-A-0001"), qr_picture("CODE-B-0002")
    frame[50:50 + a.shape[0], 50:50 + a.shape[1]] = a
    frame[50:50 + b.shape[0], 700:700 + b.shape[1]] = b
    assert sorted(pipeline.decode(frame)) == ["CODE-A-0001", "CODE-B-0002"]


@pytest.mark.parametrize(
    ("pixel", "method", "expected"),
    [
        ((0, 200, 255), "min", 0),  # yellow (BGR): its blue channel is dark
        ((40, 160, 0), "min", 0),  # green: red channel dark
        ((255, 255, 255), "min", 255),
        ((0, 200, 255), "luma", 194),  # plain grey keeps yellow pale
        ((10, 20, 30), "min", 10),
    ],
)
def test_grey_conversion(pixel: tuple[int, int, int], method: str, expected: int) -> None:
    frame = np.array([[pixel]], np.uint8)
    assert int(to_gray(frame, method)[0, 0]) == pytest.approx(expected, abs=1)


def test_min_conversion_reads_a_pale_yellow_code_that_luma_misses() -> None:
    # A pale yellow code photographed dim and grainy: blue channel dark, luma nearly flat.
    img = qr_picture("https://jkm.example.gov.cn/v?t=yellow", fg=(60, 225, 250), bg=(250, 250, 250)).astype(np.float32)
    img = img * 0.5 + np.random.default_rng(3).normal(0, 6, img.shape)
    frame = np.clip(img, 0, 255).astype(np.uint8)
    assert DecodePipeline("zxing", "min").decode(frame) == ["https://jkm.example.gov.cn/v?t=yellow"]
    assert DecodePipeline("pyzbar", "min").decode(frame) == ["https://jkm.example.gov.cn/v?t=yellow"]
    assert DecodePipeline("pyzbar", "luma", retries=False).decode(frame) == []  # the first pass alone


def test_normalise_scales_big_frames_and_rejects_tiny_ones() -> None:
    out = normalise(np.zeros((3000, 6000, 3), np.uint8), max_side=1500)
    assert out is not None and out.shape == (750, 1500, 3)
    assert normalise(np.zeros((20, 500), np.uint8), max_side=1500) is None
    small = np.zeros((100, 100), np.uint8)
    assert normalise(small, 1500) is small  # nothing to do: no copy


def test_unknown_backend_or_grey_conversion_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown QR decoder backend 'zbar'"):
        DecodePipeline("zbar")
    with pytest.raises(ValueError, match="unknown grey conversion 'hsv'"):
        DecodePipeline("zxing", "hsv")


def test_synthetic_frames_decode_without_a_wrong_payload() -> None:
    """A small seeded sample of the benchmark's conditions; the benchmark has the full set."""
    easy = tuple(c for c in synth.CONDITIONS if c not in ("motion_blur", "defocus"))
    frames = list(synth.frame_set(2, conditions=easy))
    pipe = DecodePipeline()
    found = 0
    for fr in frames:
        codes = pipe.decode(fr.image)
        assert all(c == fr.payload for c in codes), f"wrong payload on {fr.condition}"
        if fr.payload is None:
            assert codes == [], fr.condition
        found += fr.payload in codes
    with_code = sum(1 for f in frames if f.payload)
    assert found / with_code >= 0.9


def test_synthetic_frames_are_reproducible() -> None:
    a = synth.make_frame("perspective", "signed", np.random.default_rng([1, 2]))
    b = synth.make_frame("perspective", "signed", np.random.default_rng([1, 2]))
    assert a.payload == b.payload and np.array_equal(a.image, b.image)
    assert a.image.shape == (synth.HEIGHT, synth.WIDTH, 3)
    assert len(synth.make_payload("hc1", np.random.default_rng(1))) == 600
    assert 55 <= len(synth.make_payload("url", np.random.default_rng(1))) <= 65
    assert len(synth.make_payload("signed", np.random.default_rng(1))) == 350


def test_16_bit_and_transparent_pictures_are_read() -> None:
    qr = qr_picture("DEEP-PNG")
    ok, png16 = cv2.imencode(".png", qr.astype(np.uint16) * 257)
    assert ok
    image = decode_image_bytes(png16.tobytes())
    assert image.dtype == np.uint8
    assert DecodePipeline().decode(image) == ["DEEP-PNG"]
    with pytest.raises(ImageError, match="empty file"):
        decode_image_bytes(b"")


def test_sharpened_retry_reads_out_of_focus_codes_the_plain_pass_misses() -> None:
    frames = [f for f in synth.frame_set(6, conditions=("defocus",)) if f.payload]
    plain = DecodePipeline("zxing", "min", sharpen_retry=False)
    retry = DecodePipeline("zxing", "min", sharpen_retry=True)
    plain_hits = sum(f.payload in plain.decode(f.image) for f in frames)
    retry_results = [retry.decode(f.image) for f in frames]
    assert all(c == f.payload for f, codes in zip(frames, retry_results, strict=True) for c in codes)
    retry_hits = sum(f.payload in codes for f, codes in zip(frames, retry_results, strict=True))
    assert retry_hits > plain_hits, (plain_hits, retry_hits)


@pytest.mark.parametrize("payload", [
    "a\x01b\x10c",  # SOH, DLE: zxing-cpp's default text mode names them "<SOH>", "<DLE>"
    "line1\r\nline2\n",  # CR/LF
    "nul\x00inside",  # NUL
    "\x1d01095011010209171719050810ABCD1234",  # a GS1 code: GS separators
    "tab\tand\x7fdel\x1b[0m",  # tab, DEL, ESC
    "Müller\x1e张三\x04",  # UTF-8 with record separator and EOT
], ids=["SOH-DLE", "CRLF", "NUL", "GS1", "tab-DEL-ESC", "utf8-RS-EOT"])
def test_payloads_with_control_characters_come_back_unaltered(pipeline: DecodePipeline, payload: str) -> None:
    assert pipeline.decode(qr_picture(payload.encode("utf-8"))) == [payload]
    assert pipeline.decode(qr_picture(payload, eci=True)) == [payload]


HARD = ("screen_grid", "screen_tint", "textured_print", "wrinkled")


@pytest.fixture(scope="module")
def hard_frames() -> list[synth.SynthFrame]:
    return list(synth.frame_set(6, conditions=HARD))


def test_retries_read_hard_screen_and_surface_frames_the_first_pass_misses(hard_frames: list[synth.SynthFrame]) -> None:
    # a generous budget: this checks what the retry reads, not how fast (bench_decode.py does that)
    first_only = DecodePipeline("zxing", "min", retries=False)
    with_retry = DecodePipeline("zxing", "min", retries=True, budget_ms=10_000)
    rescued: list[str] = []
    first_hits = retry_hits = 0
    for fr in hard_frames:
        before, after = first_only.decode(fr.image), with_retry.decode(fr.image)
        assert all(c == fr.payload for c in before + after), f"wrong payload on {fr.condition}"
        first_hits += fr.payload in before
        retry_hits += fr.payload in after
        if fr.payload in after and fr.payload not in before:
            assert with_retry.last_pass == "luma 2x"
            rescued.append(fr.condition)
    assert retry_hits >= first_hits + 3, (first_hits, retry_hits, rescued)
    assert "screen_tint" in rescued, rescued
    assert retry_hits / len(hard_frames) >= 0.85


def test_a_tinted_screen_reads_in_luma_where_min_grey_fails() -> None:
    # a night-mode screen: blue almost off, so min(B,G,R) is the dim channel and its grid
    img = qr_picture("https://jkm.example.gov.cn/v?t=tinted-screen", px=3).astype(np.float32)
    img *= np.array([0.08, 0.75, 1.0], np.float32)  # BGR gains
    img[:, ::2] *= 0.55  # the sub-pixel grid: every other column darker
    img[:, :, 0] += np.random.default_rng(5).normal(0, 4, img.shape[:2])
    frame = np.clip(img, 0, 255).astype(np.uint8)
    assert DecodePipeline("zxing", "min", retries=False).decode(frame) == []
    assert DecodePipeline("zxing", "min", budget_ms=10_000).decode(frame) == ["https://jkm.example.gov.cn/v?t=tinted-screen"]


def test_quick_decode_and_an_exhausted_budget_skip_the_retry(hard_frames: list[synth.SynthFrame]) -> None:
    first_only = DecodePipeline("zxing", "min", retries=False)
    needs_retry = [f for f in hard_frames if f.payload not in first_only.decode(f.image)]
    assert needs_retry
    generous = DecodePipeline("zxing", "min", budget_ms=10_000)
    tiny = DecodePipeline("zxing", "min", budget_ms=0.001)
    for fr in needs_retry:
        assert generous.decode(fr.image, quick=True) == []
        assert tiny.decode(fr.image) == []
    assert any(fr.payload in generous.decode(fr.image) for fr in needs_retry)


def test_the_decode_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="decode budget must be > 0 ms"):
        DecodePipeline(budget_ms=0)
