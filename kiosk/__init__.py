"""Checkpoint kiosk: health-code, temperature and visitor checks at a community gate."""

__version__ = "0.1.0"
