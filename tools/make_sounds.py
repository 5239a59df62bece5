"""Synthesise the gate sounds into assets/sounds/ (numpy + the stdlib wave module).

    .venv/bin/python tools/make_sounds.py

pass.wav: two rising tones (pleasant, short). deny.wav: three low buzzes (unmistakable
even for someone who cannot see the colour). review.wav: two level mid tones. The files
are small and committed; this script is how they were made and can be re-run.
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

RATE = 22050
OUT = Path(__file__).resolve().parents[1] / "assets" / "sounds"

# name -> list of (frequency Hz, seconds, harmonics weight); frequency 0 = silence
SOUNDS: dict[str, list[tuple[float, float, float]]] = {
    "pass": [(880.0, 0.14, 0.0), (0.0, 0.03, 0.0), (1318.5, 0.22, 0.0)],
    "deny": [(220.0, 0.16, 0.6), (0.0, 0.06, 0.0), (220.0, 0.16, 0.6), (0.0, 0.06, 0.0), (220.0, 0.16, 0.6)],
    "review": [(660.0, 0.15, 0.2), (0.0, 0.08, 0.0), (660.0, 0.15, 0.2)],
}


def tone(freq: float, seconds: float, harmonics: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    if freq == 0:
        return np.zeros_like(t)
    wav = np.sin(2 * np.pi * freq * t) + harmonics * np.sin(2 * np.pi * 3 * freq * t) / 3
    ramp = min(len(t) // 2, int(RATE * 0.01))  # 10 ms fade in/out: no clicks
    env = np.ones_like(t)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[-ramp:] = np.linspace(1, 0, ramp)
    return np.asarray(wav * env / (1 + harmonics / 3))


def render(parts: list[tuple[float, float, float]]) -> bytes:
    samples = np.concatenate([tone(*p) for p in parts])
    return (samples * 0.8 * 32767).astype("<i2").tobytes()


def write_all(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, parts in SOUNDS.items():
        path = out / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(render(parts))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(p)
