"""Protection from cross-site requests: state changes only from pages the server itself served.

Two layers, both outside Gradio's own code so that every route is covered (the component
server the editor calls, uploads, queue joins, sign-in):

- **Origin check**: a POST, PUT, PATCH or DELETE whose ``Origin`` (or, without one, ``Referer``)
  names another host than the request's ``Host`` (or a proxy's ``X-Forwarded-Host``) is refused
  with 403 before it reaches the app. Browsers send ``Origin`` on every cross-origin POST, forms
  included, and a page cannot forge it; clients that send neither (scripts, curl) hold no
  victim's cookie, so they are let through to the sign-in check as before.
- **SameSite=Lax cookies**: Gradio issues its session cookie with ``SameSite=None``; it is
  rewritten to ``Lax`` so that browsers do not attach it to cross-site sub-requests at all.

This is OWASP's "verify origin with standard headers" defence plus SameSite cookies, chosen over
a token because the editor's requests are made by Gradio's client, which has no place for one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Scope = dict[str, Any]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def cross_site(scope: Scope) -> bool:
    """Whether an unsafe request comes from a page of another origin than this server."""
    if scope.get("type") != "http" or scope.get("method", "GET").upper() not in UNSAFE_METHODS:
        return False
    source = _header(scope, b"origin") or _header(scope, b"referer")
    if source is None:
        return False
    if source.strip().lower() == "null":  # sandboxed frames, data: and file: pages
        return True
    served = {h.strip().lower() for h in (_header(scope, b"host"), _header(scope, b"x-forwarded-host")) if h}
    return urlsplit(source.strip()).netloc.lower() not in served


class SameOriginMiddleware:
    """ASGI middleware applying both layers (see the module's docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        if cross_site(scope):
            body = b'{"detail":"cross-site request refused"}'
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_lax(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                message["headers"] = [(k, _lax(v) if k.lower() == b"set-cookie" else v)
                                      for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, send_lax)


def _lax(cookie: bytes) -> bytes:
    parts = [p for p in cookie.split(b";") if not p.strip().lower().startswith(b"samesite")]
    return b";".join([*parts, b" SameSite=lax"])
