"""Cookies, CSRF tokens and the security headers every answer carries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ketenkit.limits import BodySizeLimit

# No inline script or style anywhere: the pages' only script is /static/upload.js.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True, slots=True)
class CookieNames:
    session: str
    csrf: str

    @classmethod
    def for_mode(cls, secure: bool) -> CookieNames:
        # __Host-: only over HTTPS, for this host and path / alone (no subdomain can set it).
        prefix = "__Host-" if secure else ""
        return cls(session=f"{prefix}km_session", csrf=f"{prefix}km_csrf")


class CsrfSigner:
    """A form's token is an HMAC of the browser's CSRF cookie: another site can read neither."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"portal-csrf:" + secret.encode()).digest()

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(32)

    def token_for(self, cookie: str) -> str:
        return hmac.new(self._key, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.token_for(cookie), token)


class SecurityHeaders:
    """CSP, no framing, no referrer, no sniffing; pages are never cached (they show tokens and
    a municipality's figures); HSTS when served over HTTPS."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A page may bring a stricter policy of its own (the yearly report does).
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                if not static:
                    headers["Cache-Control"] = "no-store"
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, with_headers)


class PageBodySizeLimit(BodySizeLimit):
    """The kit's limit, answered with a page a person can read instead of problem+json."""

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        megabytes = limit // (1024 * 1024)
        body = (
            '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
            "<title>Bestand te groot · Ketenmonitor Inburgering</title>"
            '<link rel="stylesheet" href="/static/portal.css"></head><body class="rhc-theme">'
            '<main class="portal-main"><h1>Bestand te groot</h1>'
            f"<p>Een bestand mag hoogstens {megabytes:,} MB zijn. Het is niet aangenomen; er is "
            "niets bewaard. Splits het niet op: neem contact op met de beheerder.</p>"
            '<p><a href="/aanleveren">Terug naar aanleveren</a></p></main></body></html>'
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
