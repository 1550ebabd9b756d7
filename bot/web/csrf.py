"""Cross-site request forgery: a POST to the dashboard is obeyed only when it comes from its own pages.

Two checks, both required. Where the browser says the request comes from: `Sec-Fetch-Site` must not be
another site, and `Origin` (or, without it, `Referer`) must be the dashboard's own address; a request
with neither header is left to the token alone. And the form's token: the random value of a pre-session
cookie, signed with the dashboard's key (itsdangerous, as sign-in links are), so another site can
neither read one nor make one that fits the cookie. This is what stops a foreign page from signing a
victim in as the attacker (login CSRF) or out.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.web.http import Request, cookie

SALT = "pacebot-csrf"
FIELD = "csrf"  # the hidden input of every form in templates/web
DEFAULT_PORTS = {"http": "80", "https": "443"}


class CsrfGuard:
    """Hands out form tokens and judges POSTs; `key()` is the dashboard's signing key."""

    def __init__(self, key: Callable[[], str], *, public_url: str, always_secure: bool, max_age: int):
        self.key = key
        self.public_origin = origin_of(public_url)
        self.always_secure = always_secure
        self.max_age = max_age

    def secure(self, req: Request) -> bool:
        return self.always_secure or req.scheme == "https"

    def cookie_name(self, req: Request) -> str:
        # Over https the __Host- prefix makes browsers refuse the cookie from a sibling subdomain.
        return "__Host-pacebot_csrf" if self.secure(req) else "pacebot_csrf"

    def token(self, req: Request) -> str:
        """The token for a form on this page; a browser without the cookie gets one with the response."""
        name = self.cookie_name(req)
        value = req.cookies.get(name)
        if not value or len(value) > 100:
            value = secrets.token_urlsafe(32)
            req.cookies[name] = value  # every form of this page gets a token for the same cookie
            req.set_cookies.append(cookie(name, value, secure=self.secure(req)))
        return self._signer().dumps(value)

    def refusal(self, req: Request) -> str | None:
        """None when the POST may go on, else why not: `cross_site` or `token`."""
        if not self._same_origin(req):
            return "cross_site"
        if not self._token_fits(req):
            return "token"
        return None

    def _same_origin(self, req: Request) -> bool:
        site = req.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return False  # cross-site, or same-site: a sibling subdomain is still another origin
        claimed = req.headers.get("origin")
        if claimed == "null" and site == "same-origin":
            return True  # a browser set to send no referrer hides our own origin, but vouches for it
        if claimed is None:
            referer = req.headers.get("referer")
            if referer is None:
                return True  # nothing to go on: the token decides
            claimed = referer
        claimed = origin_of(claimed)  # otherwise "null" (a sandboxed or redirected form) matches nothing
        return claimed is not None and claimed in self._own_origins(req)

    def _own_origins(self, req: Request) -> set[str]:
        # The browser sets Host for the address it was sent to, so a page elsewhere cannot forge it.
        own = {self.public_origin}
        host = req.headers.get("host")
        if host:
            own.add(origin_of(f"{req.scheme}://{host}"))
        return own - {None}

    def _token_fits(self, req: Request) -> bool:
        value, token = req.cookies.get(self.cookie_name(req)), req.form.get(FIELD)
        if not value or not token:
            return False
        try:
            signed = self._signer().loads(token, max_age=self.max_age)
        except BadSignature:  # expired ones too
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed.encode(), value.encode())

    def _signer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.key(), salt=SALT)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]`, lower case, without the scheme's default port; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"  # IPv6
    shown = f":{port}" if port is not None and str(port) != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown}"
