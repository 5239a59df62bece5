"""Running the kiosk on a real gate terminal: `kiosk doctor` checks, systemd units, the watchdog.

`checks` is pure (facts in, verdicts out); `gather` collects the facts from the machine;
`units` renders and installs systemd units; `sdnotify` speaks systemd's notify protocol.
"""
