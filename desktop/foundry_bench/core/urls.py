"""URLs as they may be shown or stored: never with a user:password part.

A key can ride in an endpoint URL (``http://user:key@host/v1``); the HTTP client needs it,
but results, reports, logs and error messages must not carry it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact_url(value: str) -> str:
    """``value`` without any user:password part (unchanged if it has none or is not a URL)."""
    try:
        parts = urlsplit(value)
        if parts.username is None and parts.password is None:
            return value
        netloc = parts.hostname or ""
        if ":" in netloc:  # an IPv6 literal
            netloc = f"[{netloc}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
    except ValueError:
        return value.split("@", 1)[-1] if "@" in value else value
    return urlunsplit(parts._replace(netloc=netloc))
