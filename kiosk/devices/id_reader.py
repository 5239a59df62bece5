"""Second-generation ID card readers (二代身份证阅读器), behind the scanners' small interface
(start / stop / status; each card handed to a callback on the device's thread).

`serial`: a reader on a serial port or USB CDC-ACM in text-output mode sends one line per
card with the name and the 18-character number separated by a comma, '|' or a tab
(UTF-8 or GB18030), e.g. `张三,11010519491231002X`. The reader's own SAM decoding stays
inside the device; the kiosk never sees the photo. `fake`: tests and the demo put a card
with `present()`. `make_id_reader(cfg, on_card)` picks one from `idreader.kind` and fails
loudly on a wrong setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.devices.serial_scanner import ScannerStatus, SerialScanner
from kiosk.domain.masking import mask_id, mask_name
from sync.common.backoff import Backoff

_LINE = re.compile(r"^\s*(?P<name>[^,|\t]{1,60}?)\s*[,|\t]\s*(?P<number>[0-9]{17}[0-9Xx])\s*$")


@dataclass(frozen=True)
class IdCard:
    name: str
    number: str

    def __repr__(self) -> str:  # never a full ID number in a log
        return f"IdCard({mask_name(self.name)}, {mask_id(self.number)})"


OnCard = Callable[[IdCard], Any]


def parse_card_line(raw: bytes) -> IdCard | None:
    """One reader line as a card, or None if it is not `name<sep>number`."""
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    match = _LINE.match(text)
    if match is None:
        return None
    return IdCard(match["name"].strip(), match["number"].upper())


class SerialIdCardReader(SerialScanner):
    """The serial scanner's reconnecting reader thread, with card lines instead of codes."""

    def __init__(self, port: str, on_card: OnCard, *, baudrate: int = 115200, backoff: Backoff | None = None) -> None:
        super().__init__(port, lambda _text, _origin: None, baudrate=baudrate, backoff=backoff, max_line_bytes=512)
        self._on_card = on_card
        self.cards = 0

    def _handle(self, line: bytes) -> None:
        card = parse_card_line(line)
        if card is None:
            self.last_error = f"ignored a line from the ID card reader on {self.port} that holds no name and ID number"
            return
        self.cards += 1
        self._on_card(card)


class FakeIdCardReader:
    """Tests and the demo: `present(card)` is a card put on the reader."""

    def __init__(self, on_card: OnCard) -> None:
        self._on_card = on_card
        self.status = ScannerStatus.STARTING

    def start(self) -> FakeIdCardReader:
        self.status = ScannerStatus.CONNECTED
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.status = ScannerStatus.STOPPED

    def present(self, card: IdCard) -> None:
        if self.status is ScannerStatus.CONNECTED:
            self._on_card(card)


def make_id_reader(cfg: Mapping[str, Any], on_card: OnCard) -> SerialIdCardReader | FakeIdCardReader | None:
    from kiosk.devices.factory import DeviceConfigError

    kind = cfg["idreader.kind"]
    if kind == "none":
        return None
    if kind == "fake":
        return FakeIdCardReader(on_card)
    if kind == "serial":
        try:
            return SerialIdCardReader(cfg["idreader.serial_port"], on_card, baudrate=cfg["idreader.serial_baud"])
        except ValueError as exc:
            raise DeviceConfigError("idreader.serial_port", str(exc)) from None
    raise DeviceConfigError("idreader.kind", f"{kind!r} is not one of none, serial, fake")
