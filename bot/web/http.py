"""Just enough WSGI: a parsed request and responses with the dashboard's security headers."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "pacebot_session"
SECURITY_HEADERS = [
    # Our own files only; inline style attributes are allowed for widths of bars, scripts are not.
    ("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    # Board and sign-in tokens live in URLs: they go to no other site. (With no-referrer at all, browsers
    # would send `Origin: null` on our own forms, and the CSRF check needs their real origin.)
    ("Referrer-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    cookies: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    scheme: str = "http"
    set_cookies: list[tuple[str, str]] = field(default_factory=list)  # cookies the response must carry

    @classmethod
    def from_environ(cls, environ: dict) -> Request:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form: dict[str, str] = {}
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method == "POST":
            try:
                length = min(int(environ.get("CONTENT_LENGTH") or 0), 16_384)
            except ValueError:
                length = 0
            body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
            form = {k: v[0] for k, v in parse_qs(body).items()}
        jar = SimpleCookie()
        try:
            jar.load(environ.get("HTTP_COOKIE", ""))
        except Exception:
            pass  # a malformed cookie header is the same as none
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        return cls(method, environ.get("PATH_INFO", "") or "/", query, form,
                   {k: m.value for k, m in jar.items()}, headers, environ.get("wsgi.url_scheme", "http"))


@dataclass
class Response:
    status: str
    body: bytes | object = b""  # bytes, or an iterator of bytes for a stream
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, start_response):
        headers = [("Content-Type", self.content_type), *SECURITY_HEADERS, *self.headers]
        if isinstance(self.body, bytes):
            headers.append(("Content-Length", str(len(self.body))))
            if not any(k == "Cache-Control" for k, _ in self.headers):
                headers.append(("Cache-Control", "no-store"))
            start_response(self.status, headers)
            return [self.body]
        start_response(self.status, headers)
        return self.body


def row_id(text: str | None) -> int | None:
    """A path segment or header as a row id: ASCII digits that fit the database's 64-bit integers (so
    `²`, `٣` or forty digits are no id, not a 500); None otherwise."""
    if text and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def html(body: str, status: str = "200 OK", headers=None) -> Response:
    return Response(status, body.encode("utf-8"), headers=list(headers or []))


def redirect(location: str, headers=None) -> Response:
    return Response("303 See Other", b"", "text/plain", [("Location", location), *(headers or [])])


def cookie(name: str, value: str, *, secure: bool, max_age: int | None = None) -> tuple[str, str]:
    """A Set-Cookie header scripts cannot read and other sites' requests do not carry (but a link
    followed from a chat app does: Lax); without `max_age` it lasts until the browser closes."""
    jar = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel["path"], morsel["httponly"], morsel["samesite"] = "/", True, "Lax"
    if max_age is not None:
        morsel["max-age"] = max_age
    if secure:
        morsel["secure"] = True
    return ("Set-Cookie", morsel.OutputString())


def session_cookie(token: str, *, max_age: int, secure: bool) -> tuple[str, str]:
    return cookie(COOKIE, token, secure=secure, max_age=max_age)


def static(name: str) -> Response | None:
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        return None
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("javascript"):
        kind += "; charset=utf-8"
    return Response("200 OK", path.read_bytes(), kind, [("Cache-Control", "public, max-age=3600")])
