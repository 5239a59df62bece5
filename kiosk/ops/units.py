"""systemd units for a gate terminal: the touch screen, the sync worker alone, the central server.

Rendering is pure (`render`); `install` writes the files and `uninstall` removes only files
this module wrote (they carry MARKER). Every unit restarts on failure, logs to journald,
and starts after the network and the clock are up: records carry the kiosk's clock, and
signed requests are refused with a clock far off.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MARKER = "# Written by `kiosk service install`; `kiosk service uninstall` removes it."
SCREEN = "checkpoint-kiosk.service"
SYNC = "checkpoint-kiosk-sync.service"
CENTRAL = "kiosk-central.service"
ALL_UNITS = (SCREEN, SYNC, CENTRAL)
WATCHDOG_S = 30  # the screen pings every 15 s; a Kivy loop frozen for 30 s is killed and restarted
_SAFE = re.compile(r"^[A-Za-z0-9_./:@+=,-]*$")


@dataclass(frozen=True)
class UnitOptions:
    user: str
    kiosk_bin: str  # absolute path of the installed `kiosk` command
    central_bin: str = ""  # absolute path of `kiosk-central` (with --central)
    config: str = ""  # KIOSK_CONFIG for the kiosk units; empty = the default lookup
    display: str = ":0"  # the X display the screen draws on (a bare X session, or Xwayland under cage)
    xauthority: str = ""
    central_args: str = ""  # e.g. "--db postgresql://… --data-dir /var/lib/kiosk-central"

    def check(self) -> None:
        """Values go into unit files verbatim: refuse anything that could break a line or quoting."""
        for name in ("user", "kiosk_bin", "central_bin", "config", "display", "xauthority"):
            value = getattr(self, name)
            if not _SAFE.match(value):
                raise ValueError(f"{name} {value!r} has characters a unit file cannot take (spaces, quotes, newlines)")
        if "\n" in self.central_args or '"' in self.central_args:
            raise ValueError("central arguments must be one line without quotes")
        for name in ("kiosk_bin", "central_bin", "config", "xauthority"):
            value = getattr(self, name)
            if value and not value.startswith("/"):
                raise ValueError(f"{name} must be an absolute path, got {value!r}")


def _unit(description: str) -> list[str]:
    # Not After=graphical.target: the screen unit is wanted by it (that would be an ordering cycle).
    # Until the X session is up `kiosk run` fails and is restarted 5 s later.
    after = "network-online.target time-sync.target"
    return [
        MARKER,
        "[Unit]",
        f"Description={description}",
        "Wants=network-online.target time-sync.target",
        f"After={after}",
        # Give up only after many quick failures in a row (then the journal says why).
        "StartLimitIntervalSec=600",
        "StartLimitBurst=20",
        "",
        "[Service]",
    ]


def _common(o: UnitOptions, identifier: str, *, kiosk: bool = True) -> list[str]:
    lines = [f"User={o.user}", "Restart=on-failure", "RestartSec=5",
             "StandardOutput=journal", "StandardError=journal", f"SyslogIdentifier={identifier}"]
    if kiosk and o.config:
        lines.append(f"Environment=KIOSK_CONFIG={o.config}")
    return lines


def render(o: UnitOptions, *, screen: bool = True, sync_only: bool = False, central: bool = False) -> dict[str, str]:
    """Unit name → file text."""
    o.check()
    units: dict[str, str] = {}
    if screen:
        lines = _unit("Checkpoint kiosk touch screen")
        lines += [
            "Type=notify",  # READY=1 once the first screen is up
            "NotifyAccess=main",
            f"WatchdogSec={WATCHDOG_S}",
            f"Environment=DISPLAY={o.display}",
        ]
        if o.xauthority:
            lines.append(f"Environment=XAUTHORITY={o.xauthority}")
        lines += _common(o, "checkpoint-kiosk")
        lines += [f"ExecStart={o.kiosk_bin} run", "TimeoutStartSec=120", "", "[Install]", "WantedBy=graphical.target", ""]
        units[SCREEN] = "\n".join(lines)
    if sync_only:
        lines = _unit("Checkpoint kiosk sync worker (headless gate)")
        lines += ["Type=simple", *_common(o, "checkpoint-kiosk-sync"), f"ExecStart={o.kiosk_bin} sync",
                  "", "[Install]", "WantedBy=multi-user.target", ""]
        units[SYNC] = "\n".join(lines)
    if central:
        if not o.central_bin:
            raise ValueError("kiosk-central is not installed beside kiosk")
        lines = _unit("Checkpoint kiosk central server (kiosk-central)")
        lines += ["Type=simple", *_common(o, "kiosk-central", kiosk=False),
                  # KIOSK_CENTRAL_* settings (database URL, data folder) may live here, outside the unit.
                  f"EnvironmentFile=-/etc/default/{CENTRAL.removesuffix('.service')}",
                  f"ExecStart={o.central_bin} serve {o.central_args}".rstrip(), "", "[Install]", "WantedBy=multi-user.target", ""]
        units[CENTRAL] = "\n".join(lines)
    return units


def install(units: dict[str, str], unit_dir: Path) -> list[Path]:
    """Write each unit atomically (0644). A same-named file we did not write is never overwritten."""
    unit_dir.mkdir(parents=True, exist_ok=True)
    for name in units:
        target = unit_dir / name
        if target.exists() and MARKER not in target.read_text(errors="replace"):
            raise FileExistsError(f"{target} exists and was not written by kiosk service install; left untouched")
    written = []
    for name, text in units.items():
        target = unit_dir / name
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_text(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        written.append(target)
    return written


def installed(unit_dir: Path) -> list[Path]:
    """Our units in `unit_dir` (only files carrying MARKER)."""
    found = []
    for name in ALL_UNITS:
        path = unit_dir / name
        if path.is_file() and MARKER in path.read_text(errors="replace"):
            found.append(path)
    return found


def uninstall(unit_dir: Path) -> list[Path]:
    removed = installed(unit_dir)
    for path in removed:
        path.unlink()
    return removed
