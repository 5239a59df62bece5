"""Pass / deny / review tones (assets/sounds, made by tools/make_sounds.py).

A kiosk without a working audio device keeps going silently: the colour, the icon and
the words carry the result; the failure is logged once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SOUND_DIR = Path(__file__).resolve().parents[2] / "assets" / "sounds"


class Sounds:
    def __init__(self, enabled: bool = True, folder: Path = SOUND_DIR, volume: float = 1.0) -> None:
        self.enabled = enabled
        self.folder = folder
        self.volume = volume
        self._loaded: dict[str, Any] = {}
        self.played: list[str] = []  # what was asked for, in order (shown in the admin log, read by tests)

    def _get(self, kind: str) -> Any:
        if kind not in self._loaded:
            from kivy.core.audio import SoundLoader

            path = self.folder / f"{kind}.wav"
            if not path.exists():
                log.warning("sound %s missing (run tools/make_sounds.py)", path)
                self._loaded[kind] = None
            else:
                try:
                    self._loaded[kind] = SoundLoader.load(str(path))
                except Exception as exc:  # noqa: BLE001 - no audio device must not stop the gate
                    log.warning("cannot load %s: %s", path, exc)
                    self._loaded[kind] = None
        return self._loaded[kind]

    def preload(self) -> None:
        """Load the tones once, at start, so the first result is not delayed by it."""
        for kind in ("pass", "deny", "review"):
            self._get(kind)

    def play(self, kind: str) -> None:
        if not self.enabled:
            return
        self.played.append(kind)
        sound = self._get(kind)
        if sound is None:
            return
        try:
            sound.volume = self.volume
            sound.stop()
            sound.play()
        except Exception as exc:  # noqa: BLE001
            log.warning("cannot play %s: %s", kind, exc)
