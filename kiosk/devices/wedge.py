"""Keyboard-wedge scanners: telling a scanner's keystrokes from a guard typing. Pure logic.

A USB scanner "types" the code and presses Enter, through the same keyboard events as a
person. The UI feeds every key (with its time) into `WedgeReader.feed()` and acts on the
events it returns: `scan` → a code for the pipeline; `typed` → keys for the focused field.

Two ways to tell them apart:
- prefix mode (`prefix` set, the reliable one): the scanner is configured to send a prefix
  before each code; keys without it go straight through to the form.
- timing mode (no prefix): a scanner sends keys a few ms apart; a burst of at least
  `min_length` keys, each within `max_gap_s` of the previous, ended by Enter, is a scan.
  Keys are held for at most `max_gap_s` before being released as typing (call `poll()`
  from a UI clock, e.g. every 20 ms, to release them when no further key comes).
Named keys (Backspace, Tab, arrows) are never part of a scan: they come back as `key`.
A configured `suffix` is stripped; if the scanner sends it without Enter, it ends the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ENTER_KEYS = frozenset({"\n", "\r", "enter", "return"})


@dataclass(frozen=True)
class WedgeEvent:
    kind: Literal["scan", "typed", "key"]
    text: str  # scan: the code; typed: characters in order, Enter as "\n"; key: a named key


@dataclass(frozen=True)
class WedgeSettings:
    prefix: str = ""
    suffix: str = ""
    max_gap_s: float = 0.040
    min_length: int = 6
    prefix_gap_s: float = 0.300  # prefix mode: a pause this long inside a scan means a person

    def __post_init__(self) -> None:
        if self.max_gap_s <= 0 or self.prefix_gap_s <= 0:
            raise ValueError("key gaps must be > 0 s")
        if self.min_length < 1:
            raise ValueError("min_length must be >= 1")
        for name in ("prefix", "suffix"):
            value = getattr(self, name)
            if any(ch in "\r\n" for ch in value):
                raise ValueError(f"scanner {name} may not contain Enter")


@dataclass
class WedgeReader:
    settings: WedgeSettings = field(default_factory=WedgeSettings)
    _held: list[str] = field(default_factory=list)
    _last_at: float = 0.0
    _swallow_enter_until: float = -1.0

    @property
    def holding(self) -> bool:
        """Keys are held back, waiting to know whether they are a scan."""
        return bool(self._held)

    def _gap_limit(self) -> float:
        return self.settings.prefix_gap_s if self.settings.prefix else self.settings.max_gap_s

    def _release(self) -> list[WedgeEvent]:
        held, self._held = "".join(self._held), []
        return [WedgeEvent("typed", held)] if held else []

    def poll(self, at: float) -> list[WedgeEvent]:
        """Release held keys once no key has come for the gap limit."""
        if self._held and at - self._last_at > self._gap_limit():
            return self._release()
        return []

    def feed(self, key: str, at: float) -> list[WedgeEvent]:
        events = self.poll(at)
        is_enter = key.lower() in ENTER_KEYS if len(key) > 1 else key in ENTER_KEYS
        if is_enter:
            if not self._held and at <= self._swallow_enter_until:
                self._swallow_enter_until = -1.0
                return _merge(events)  # the scanner's second line end
            return _merge(events + self._finish(at, by_enter=True))
        if len(key) != 1:  # Backspace, Tab, arrows …: never part of a scan
            return _merge([*events, *self._release(), WedgeEvent("key", key)])
        self._last_at = at
        prefix = self.settings.prefix
        if prefix and len(self._held) < len(prefix):
            if key == prefix[len(self._held)]:
                self._held.append(key)
                return _merge(events)
            # Not the prefix after all: what we held, and this key, are typing.
            return _merge([*events, *self._release(), WedgeEvent("typed", key)])
        self._held.append(key)
        suffix = self.settings.suffix
        if suffix and "".join(self._held[-len(suffix):]) == suffix:
            return _merge(events + self._finish(at, by_enter=False))
        return _merge(events)

    def _finish(self, at: float, by_enter: bool) -> list[WedgeEvent]:
        s = self.settings
        text = "".join(self._held)
        body = text[len(s.prefix):] if s.prefix else text
        complete = (not s.prefix or text.startswith(s.prefix)) and len(text) >= len(s.prefix)
        if s.suffix:
            complete = complete and body.endswith(s.suffix)
            body = body[: len(body) - len(s.suffix)] if complete else body
        if not s.prefix:
            complete = complete and len(body) >= s.min_length
        if complete and body:
            self._held = []
            # A second line end right after (CR LF, or Enter after a suffix) is the scanner's,
            # not the guard's: it must not submit the form.
            self._swallow_enter_until = at + self._gap_limit()
            return [WedgeEvent("scan", body)]
        enter = [WedgeEvent("typed", "\n")] if by_enter else []
        return self._release() + enter


def _merge(events: list[WedgeEvent]) -> list[WedgeEvent]:
    """Join neighbouring typed events, so the UI gets one string per batch."""
    out: list[WedgeEvent] = []
    for ev in events:
        if out and ev.kind == "typed" and out[-1].kind == "typed":
            out[-1] = WedgeEvent("typed", out[-1].text + ev.text)
        else:
            out.append(ev)
    return out
