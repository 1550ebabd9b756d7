"""Cross-site request forgery: a foreign page can neither sign a browser in (as the attacker) nor out;
our own forms, which carry the token, work; the cookies are HttpOnly, SameSite=Lax and Secure over https."""

from __future__ import annotations

import re

import pytest

from tests.web.test_dashboard_web import BASE, Client, link_from, say, web  # noqa: F401 (web: the fixture)

EVIL = "https://evil.example"


def login_page(client: Client, app, user: str = "demo-manager-1") -> str:
    status, _, page = client.get(link_from(say(app, user, "dashboard")))
    assert status.startswith("200")
    return page


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site"},  # no Origin: the browser's own word is enough
    {"Origin": "https://team.localhost:8080", "Sec-Fetch-Site": "same-site"},  # a sibling subdomain
    {"Origin": "null"},  # a sandboxed frame, say; no Sec-Fetch-Site vouches for it
    {"Referer": f"{EVIL}/page"},  # no Origin: the Referer decides
], ids=["origin", "origin+fetch-site", "fetch-site", "same-site", "null", "referer"])
def test_a_foreign_page_cannot_sign_a_browser_in(app, web, headers):
    """Login CSRF: the attacker's own link, posted from their page with the victim's browser."""
    attacker = Client(web, origin=None)
    page = login_page(attacker, app)
    status, response_headers, body = attacker.submit(page, "sign-in", headers=headers)
    assert status.startswith("403") and "其他网站" in body and "another website" in body
    assert "pacebot_session" not in attacker.cookies and "Traceback" not in body
    assert "Set-Cookie" not in response_headers
    # Refused before the link was looked at: from the dashboard's own page it still works.
    assert attacker.submit(page, "sign-in", headers={"Origin": BASE})[0].startswith("303")
    assert "pacebot_session" in attacker.cookies


def test_a_post_without_the_right_token_is_refused(app, web):
    client = Client(web)
    page = login_page(client, app)
    token = re.search(r'name="t" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    other = Client(web)
    other_csrf = re.search(r'name="csrf" value="([^"]+)"', login_page(other, app)).group(1)
    for body in (f"t={token}",  # no token
                 f"t={token}&csrf=",
                 f"t={token}&csrf={csrf[:-3]}xyz",  # tampered
                 f"t={token}&csrf={other_csrf}"):  # another browser's: it fits another cookie
        status, _, page_ = client.request("/team/login", "POST", body.encode())
        assert status.startswith("403") and "已过期" in page_ and "expired" in page_, body
        assert "pacebot_session" not in client.cookies
    cookieless = Client(web)  # the token without the cookie it was made for
    status, _, _ = cookieless.request("/team/login", "POST", f"t={token}&csrf={csrf}".encode())
    assert status.startswith("403") and "pacebot_session" not in cookieless.cookies
    assert client.request("/team/login", "POST", f"t={token}&csrf={csrf}".encode())[0].startswith("303")


@pytest.mark.parametrize("headers", [
    {},  # Origin, as the client sends by default
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # a browser set to send no referrer
    {"Origin": "http://127.0.0.1:9999", "Host": "127.0.0.1:9999"},  # reached by another address than PUBLIC_URL
], ids=["origin", "fetch-site", "null-vouched", "host"])
def test_our_own_forms_work(app, web, headers):
    client = Client(web)
    status, _, _ = client.submit(login_page(client, app), "sign-in", headers=headers)
    assert status.startswith("303") and client.get("/team/1")[0].startswith("200")


def test_without_origin_or_referer_the_token_decides(app, web):
    client = Client(web, origin=None)
    assert client.submit(login_page(client, app), "sign-in")[0].startswith("303")
    client.cookies.pop("pacebot_session")
    page = login_page(client, app)
    status, _, _ = client.submit(page, "sign-in", headers={"Referer": f"{BASE}/team/login"})
    assert status.startswith("303")


def test_get_logout_only_asks_and_post_logout_signs_out(app, web):
    client = Client(web)
    client.sign_in(link_from(say(app, "demo-manager-1", "dashboard")))
    session = client.cookies["pacebot_session"]
    status, headers, page = client.get("/team/logout?lang=en")
    assert status.startswith("405") and headers["Allow"] == "POST" and 'id="sign-out"' in page
    assert client.get("/team/1")[0].startswith("200")  # still signed in
    _, _, team_page = client.get("/team/1")
    status, _, page = client.submit(team_page, "sign-out", headers={"Origin": EVIL})
    assert status.startswith("403") and client.get("/team/1")[0].startswith("200")
    status, _, _ = client.request("/team/logout", "POST", b"")  # no token
    assert status.startswith("403") and client.get("/team/1")[0].startswith("200")

    status, headers, _ = client.submit(team_page, "sign-out")  # the header's button
    assert status.startswith("303") and "pacebot_session" not in client.cookies
    assert client.get("/team/1")[0].startswith("401")
    client.cookies["pacebot_session"] = session  # the old cookie is dead on the server too
    assert client.get("/team/1")[0].startswith("401")


def test_the_logout_page_button_signs_out(app, web):
    client = Client(web)
    client.sign_in(link_from(say(app, "demo-rep-1", "dashboard")))
    _, _, page = client.get("/team/logout")
    assert client.submit(page, "sign-out")[0].startswith("303")
    assert client.get("/team/1/rep/2")[0].startswith("401")


def test_cookies_are_httponly_lax_and_secure_over_https(app, web, monkeypatch):
    client = Client(web)
    _, headers, _ = client.get(link_from(say(app, "demo-manager-1", "dashboard")))
    assert re.fullmatch(r"pacebot_csrf=[\w-]+; HttpOnly; Path=/; SameSite=Lax", headers["Set-Cookie"])

    from bot.app import build_server

    monkeypatch.setenv("PACEBOT_PUBLIC_URL", "https://pace.example.com")
    server, _ = build_server(app, platforms=[])
    secure = Client(server, origin="https://pace.example.com")
    link = re.sub(r"^https?://[^/]+", "", link_from(say(app, "demo-manager-1", "dashboard")))
    _, headers, page = secure.get(link)
    # __Host-: browsers take it only from this very host, over https (no cookie from a sibling subdomain).
    assert re.fullmatch(r"__Host-pacebot_csrf=[\w-]+; HttpOnly; Path=/; SameSite=Lax; Secure", headers["Set-Cookie"])
    status, headers, _ = secure.submit(page, "sign-in")
    assert status.startswith("303")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("pacebot_session=") and all(
        flag in cookie for flag in ("HttpOnly", "SameSite=Lax", "Secure"))
    server.dashboard.stop()
