"""The pages served by a real node in each mode (`live`, see live.py)."""

from tests.web.live import live  # noqa: F401
