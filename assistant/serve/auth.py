"""Who is calling: a token compared by its sha256 with ``[serve.tokens.<name>]``, else the anonymous role.

    new_token()                        # a fresh random token to hand out
    digest(token)                      # what is stored: its sha256, hex
    identify(config, token)            # Caller("desk1", user="anna", role="operator"); Refused when wrong

A wrong token is always refused (never taken as anonymous); no token is the ``viewer`` role, or refused
where ``[serve] anonymous = "refuse"``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from ..config import Config

__all__ = ["Caller", "Refused", "ANONYMOUS", "new_token", "digest", "identify", "token_lines"]

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    name: str  # the token's name, or "anonymous"
    user: str | None  # the [users] key it is signed on as
    role: str


class Refused(Exception):
    """No access: the message says why and how to get it (HTTP 401)."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_lines(name: str, token: str) -> str:
    """The ``[serve.tokens.NAME]`` table to paste into the config (the user or role still to be set)."""
    return f'[serve.tokens.{name}]\nsha256 = "{digest(token)}"\nuser = ""  # a [users] key, or instead: role = "operator"\n'


def identify(config: Config, token: str | None) -> Caller:
    if not token:
        if config.serve.anonymous == "refuse":
            raise Refused("no token; send 'Authorization: Bearer <token>' (WebSocket: ?token=<token>); "
                          "'plantvoice serve token NAME' makes one")
        return Caller(ANONYMOUS, None, "viewer")
    given = digest(token)
    found = None
    for name, entry in config.serve.tokens.items():  # every entry compared, in constant time each
        if hmac.compare_digest(given, entry.sha256):
            found = name, entry
    if found is None:
        raise Refused("wrong token; use a token whose sha256 is in [serve.tokens.<name>] of the server's config")
    name, entry = found
    role = config.users[entry.user].role if entry.user else entry.role
    return Caller(name, entry.user or None, role)
