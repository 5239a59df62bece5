"""Input devices: everything that turns the outside world into a code payload.

- camera.py: cv2.VideoCapture sources (device, file, rtsp/http URL), capture thread,
  reconnect with backoff, status; frames.py: the newest-frame slot and the reconnect
  backoff (the rule itself: sync/common/backoff.py).
- decoder.py: QR decoding (zxing-cpp, pyzbar) and the frame pipeline; images.py: still images.
- worker.py: the decode worker thread; feed.py: the duplicate window shared by all inputs.
- wedge.py: keyboard-wedge scanners told apart from typing (pure); serial_scanner.py: pyserial.
- factory.py: real or stand-in devices from the settings (fails loudly); fake_camera.py and
  synth.py: the synthetic camera and the seeded frame generator used by tests and benchmark.
- thermometer.py: thermometer adapters (the workflow's).
"""
