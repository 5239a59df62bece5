"""Pure domain rules: no I/O, no kivy, cv2, sqlite or requests (enforced by ruff)."""
