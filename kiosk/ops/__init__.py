"""Running the kiosk on a real gate terminal: `kiosk doctor` checks, systemd units, the watchdog.

`facts` and `checks` are pure (facts in, verdicts out); `gather` collects the facts from the
machine through `probe_devices` and `probe_state`;
`units` renders and installs systemd units; `sdnotify` speaks systemd's notify protocol.
"""
