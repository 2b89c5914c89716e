"""The API key for a remote server: the OS keychain, or ``OPENAI_API_KEY``; never a file.

The Settings dialog stores the key through ``keyring`` (macOS Keychain, Windows Credential
Locker, the Secret Service on Linux desktops). Where no keychain backend exists (a headless
Linux box, CI), the environment variable is the only way in, and saving says so.
``OPENAI_API_KEY`` wins over the keychain when both are set: it is the per-process choice.
Every key read is remembered by :mod:`core.redaction`, so nothing written later carries it.
Keychain calls can block (a macOS permission prompt): GUI callers run them in a worker.
"""

from __future__ import annotations

import os
from types import ModuleType

from foundry_bench.core.redaction import API_KEY_ENV, remember_secret

SERVICE = "foundry-bench"
ACCOUNT = "openai-compatible-server"


class KeychainUnavailable(Exception):
    """No usable keychain: the message says what to do instead."""


def _keyring() -> ModuleType:
    try:
        import keyring
        import keyring.errors
    except ImportError as exc:  # an install without it: say so, do not fall back to a file
        raise KeychainUnavailable(_no_keychain("the keyring package is not installed")) from exc
    return keyring


def _no_keychain(reason: str) -> str:
    return (
        f"no OS keychain is available ({reason}); set {API_KEY_ENV} in the environment "
        "instead: the key is never written to a file"
    )


def keychain_key() -> str | None:
    """The key stored in the keychain, or ``None`` (none stored, or no keychain here)."""
    try:
        keyring = _keyring()
        value = keyring.get_password(SERVICE, ACCOUNT)
    except KeychainUnavailable:
        return None
    except Exception:  # any backend failure means "no key from here"
        return None
    remember_secret(value)
    return value or None


def api_key() -> str | None:
    """The key to send: ``OPENAI_API_KEY`` if set, else the keychain's, else ``None``."""
    env = os.environ.get(API_KEY_ENV)
    if env:
        remember_secret(env)
        return env
    return keychain_key()


def key_source() -> str:
    """Where :func:`api_key` finds a key, in words for the Settings dialog."""
    if os.environ.get(API_KEY_ENV):
        return f"from {API_KEY_ENV} (it takes precedence over the keychain)"
    if keychain_key():
        return "stored in the OS keychain"
    return "none set"


def store_key(value: str) -> None:
    """Keep ``value`` in the keychain; :class:`KeychainUnavailable` when there is none."""
    value = value.strip()
    if not value:
        raise ValueError("the key is empty")
    remember_secret(value)
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, ACCOUNT, value)
    except keyring.errors.NoKeyringError as exc:
        raise KeychainUnavailable(_no_keychain("no keyring backend")) from exc
    except keyring.errors.KeyringError as exc:
        raise KeychainUnavailable(_no_keychain(type(exc).__name__)) from exc


def forget_key() -> None:
    """Remove the stored key (nothing stored is not an error)."""
    keyring = _keyring()
    try:
        keyring.delete_password(SERVICE, ACCOUNT)
    except keyring.errors.PasswordDeleteError:
        return
    except keyring.errors.NoKeyringError as exc:
        raise KeychainUnavailable(_no_keychain("no keyring backend")) from exc
    except keyring.errors.KeyringError as exc:
        raise KeychainUnavailable(_no_keychain(type(exc).__name__)) from exc
