"""Keys out of everything the app stores, logs, prints or shows: the one redaction.

A key reaches the process in four ways: ``OPENAI_API_KEY``, the OS keychain, the user:password
part of an endpoint URL, and a query parameter of one (``?api-key=...``). The HTTP client needs
it; nothing else may carry it. Three functions, one per kind of boundary:

- :func:`redact_url` for a URL that is stored or shown (credentials and secret query values
  masked; the key values seen are remembered);
- :func:`redact_message` for text that came from a server or the runtime (a 401 that echoes
  the ``Authorization`` header, an error that quotes the URL): known key values, URLs with
  credentials and ``Bearer ...`` tokens are masked;
- :func:`scrub_secrets` for every sink (files, terminal, log, window): the known key values
  masked, nothing else touched, so model answers and notes keep their exact text.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
API_KEY_ENV = "OPENAI_API_KEY"

# What may be masked wherever it appears: long enough not to be ordinary text ("test"), with a
# character no number has (masking never touches a figure), and a digit or 16 characters, as
# generated keys have (so a word such as "estimated" in a file's field is never masked).
MIN_SECRET_CHARS = 8
LONG_SECRET_CHARS = 16
_NOT_A_NUMBER = re.compile(r"[A-DF-Za-df-z_~!#$%&*/:;<=>?@^|]")
# Every JSON string in order, with the colon that makes it a key (matching them all keeps the
# scan aligned on string boundaries); only values are masked, so every file stays parseable.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?')

# Query or field names that hold credentials (compared lower-cased, "-" read as "_").
_SECRET_NAMES = frozenset(
    {
        "key",
        "api_key",
        "apikey",
        "x_api_key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth",
        "authorization",
        "sig",
        "signature",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "cookie",
        "session",
        "code",
        "credential",
        "credentials",
    }
)
_SECRET_PARTS = ("key", "token", "secret", "password", "authorization", "cookie", "credential")

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>`]+")
# "Authorization: Bearer sk-..." and "api_key": "..." as servers echo them back.
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})")
_AUTH_FIELD = re.compile(
    r"(?i)\b((?:x[-_])?(?:api[-_]?key|access[-_]token|token|secret|password))"
    r"([\"']?\s*[:=]\s*[\"']?)([^\s\"',;&]{6,})"
)

_known: set[str] = set()
_lock = threading.Lock()


def is_secret_name(name: object) -> bool:
    """Whether a query parameter or mapping key (``api-key``, ``X-Auth-Token``) holds a secret."""
    text = str(name).strip().lower().replace("-", "_")
    return text in _SECRET_NAMES or any(part in text for part in _SECRET_PARTS)


def _maskable(value: str) -> bool:
    return (
        len(value) >= MIN_SECRET_CHARS
        and _NOT_A_NUMBER.search(value) is not None
        and (len(value) >= LONG_SECRET_CHARS or any(c.isdigit() for c in value))
    )


def remember_secret(value: str | None) -> None:
    """Mask ``value`` wherever :func:`scrub_secrets` or :func:`redact_message` see it.

    Only for keys this process is given to use (environment, keychain, the endpoint it is
    told to call), never for text read from a file: a hostile run folder could otherwise make
    the app mask words of its own files.
    """
    if value and _maskable(value.strip()):
        with _lock:
            _known.add(value.strip())


def known_secrets() -> list[str]:
    """Every key value seen so far in this process (the environment's included), longest first."""
    env = os.environ.get(API_KEY_ENV)
    with _lock:
        values = set(_known)
    if env and _maskable(env.strip()):
        values.add(env.strip())
    return sorted(values, key=len, reverse=True)


def url_secrets(url: str) -> list[str]:
    """The credential values in ``url``: user, password, secret query and fragment values."""
    try:
        parts = urlsplit(url)
        found = [v for v in (parts.username, parts.password) if v]
    except ValueError:
        head = url.split("@", 1)[0] if "@" in url else ""
        return [p for p in head.split("//", 1)[-1].split(":", 1) if p]
    for section in (parts.query, parts.fragment):
        found += [v for k, v in parse_qsl(section, keep_blank_values=False) if is_secret_name(k)]
    return found


def remember_url_secrets(url: str) -> None:
    """Remember the credentials of an endpoint the app is about to use."""
    for value in url_secrets(url):
        remember_secret(value)


def has_credentials(url: str) -> bool:
    return bool(url_secrets(url))


def redact_url(value: str) -> str:
    """``value`` with no user:password part and its secret query values masked.

    Not a URL, or none to mask: unchanged. Nothing is remembered: the URL may come from a
    file (:func:`remember_url_secrets` is for endpoints in use).
    """
    secrets = url_secrets(value)
    if not secrets:
        return value
    try:
        parts = urlsplit(value)
        netloc = parts.hostname or ""
        if ":" in netloc:  # an IPv6 literal
            netloc = f"[{netloc}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
        return urlunsplit(
            parts._replace(
                netloc=netloc, query=_mask_query(parts.query), fragment=_mask_query(parts.fragment)
            )
        )
    except ValueError:
        tail = value.split("@", 1)[-1]
        return _replace_all(tail, secrets)


def split_query(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its query, and the query as parameters (the client sends them apart)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(parts._replace(query="", fragment="")), query


def redact_message(text: str) -> str:
    """Server or runtime text as it may be stored or shown: no key in it, whatever it quotes."""
    text = scrub_secrets(text)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    for pattern in (_AUTH_SCHEME, _AUTH_FIELD):
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return text


def scrub_secrets(text: str) -> str:
    """``text`` with every known key value masked (raw and as it appears inside JSON)."""
    secrets = known_secrets()
    if not secrets or not text:
        return text
    return _replace_all(text, secrets)


def scrub_json_text(text: str) -> str:
    """JSON (or JSON Lines) text with known key values masked inside string values only.

    Keys and numbers are never touched, so the file stays as parseable as it was; values are
    matched in their encoded form (with and without ASCII escapes).
    """
    secrets = known_secrets()
    if not secrets or not text:
        return text
    encoded = set()
    for secret in secrets:
        encoded.add(json.dumps(secret, ensure_ascii=False)[1:-1])
        encoded.add(json.dumps(secret)[1:-1])
    forms = sorted(encoded, key=len, reverse=True)

    def mask(match: re.Match[str]) -> str:
        literal = match.group(0)
        if match.group(1):  # a key
            return literal
        for form in forms:
            if form in literal:
                literal = literal.replace(form, MASK)
        return literal

    return _JSON_STRING.sub(mask, text)


def _replace_all(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
        encoded = json.dumps(secret)[1:-1]
        if encoded != secret and encoded in text:
            text = text.replace(encoded, MASK)
    return text


def _mask_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, MASK if is_secret_name(k) and v else v) for k, v in pairs]
    return urlencode(masked, safe="*")


def install_log_redaction() -> None:
    """Mask keys in every log record of this process, whichever logger or handler gets it.

    A record factory (not a handler filter) so the log panel, a log file and the console all
    see the same masked text. Installing twice is harmless.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_keys", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: logging reports it later
            return record
        masked = redact_message(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    factory.masks_keys = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
