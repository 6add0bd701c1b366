"""The running app over HTTP on loopback: cross-site requests are refused, same-site ones work.

A page of another local origin (another port of 127.0.0.1: the same *site* for cookies, so
SameSite alone would not stop it) posts to the editor's edit endpoint with the victim's cookie.
"""

from __future__ import annotations

import http.server
import json
import threading

import httpx
import pytest

from audiolab.services import Workbench
from audiolab.services import review as rv
from audiolab.ui.csrf import cross_site
from tests.conftest import shared_file

PASSWORD = "rita-pw-333"


def _scope(method: str, **headers: str) -> dict:
    return {"type": "http", "method": method,
            "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}


def test_the_origin_rule() -> None:
    assert cross_site(_scope("POST", host="127.0.0.1:7860", origin="http://127.0.0.1:9999"))
    assert cross_site(_scope("POST", host="127.0.0.1:7860", origin="null"))
    assert cross_site(_scope("POST", host="127.0.0.1:7860", referer="http://evil.example/x"))
    assert not cross_site(_scope("POST", host="127.0.0.1:7860", origin="http://127.0.0.1:7860"))
    assert not cross_site(_scope("POST", host="127.0.0.1:7860"))  # no browser page behind it
    assert not cross_site(_scope("GET", host="127.0.0.1:7860", origin="http://127.0.0.1:9999"))
    assert not cross_site(_scope("POST", host="10.0.0.1:80", x_forwarded_host="team.example",
                                 origin="https://team.example"))  # behind a proxy


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path_factory.mktemp("sec") / "sec.db")
    rec = wb.ingest_file(shared_file("diarization/pyannote_sample.wav")).recording
    rv.add_user(wb, "rita", "reviewer", PASSWORD)
    url, demo = serve(wb)
    yield {"wb": wb, "url": url, "rid": rec.id}
    demo.close()


def _editor_id(client: httpx.Client, url: str) -> int:
    cfg = client.get(url + "config").json()
    return next(c["id"] for c in cfg["components"] if (c.get("props") or {}).get("elem_id") == "audiolab-editor")


def _signed_in(url: str) -> httpx.Client:
    client = httpx.Client(timeout=30)
    r = client.post(url + "login", data={"username": "rita", "password": PASSWORD})
    assert r.status_code == 200, r.text
    for c in client.cookies.jar:
        assert c.name.startswith("access-token")
    return client


def _add_speaker(client: httpx.Client, app: dict, name: str, **headers: str) -> httpx.Response:
    body = {"component_id": _editor_id(client, app["url"]), "fn_name": "edit", "session_hash": "sec",
            "data": {"recording": app["rid"], "action": {"op": "add_speaker", "name": name}}}
    return client.post(app["url"] + "gradio_api/component_server/", json=body, headers=headers)


def _speaker_names(app: dict) -> set[str]:
    return {s.name for s in app["wb"].transcript(app["rid"]).speakers}


def test_session_cookies_are_samesite_lax(app) -> None:
    r = httpx.post(app["url"] + "login", data={"username": "rita", "password": PASSWORD})
    cookies = r.headers.get_list("set-cookie")
    assert cookies and all("samesite=lax" in c.lower() and "samesite=none" not in c.lower() for c in cookies)


def test_a_post_from_another_local_origin_is_refused(app) -> None:
    client = _signed_in(app["url"])
    port = int(app["url"].rstrip("/").rsplit(":", 1)[1])
    other = f"http://127.0.0.1:{port + 1}"
    r = _add_speaker(client, app, "forged", origin=other)
    assert r.status_code == 403 and "cross-site" in r.text
    r = _add_speaker(client, app, "forged-too", referer=other + "/evil.html")
    assert r.status_code == 403
    assert not {"forged", "forged-too"} & _speaker_names(app)
    same = _add_speaker(client, app, "mine", origin=app["url"].rstrip("/"))
    assert same.status_code == 200 and same.json()["ok"] is True, same.text
    assert "mine" in _speaker_names(app)


@pytest.mark.browser
def test_a_form_on_another_local_origin_cannot_edit(app, browser) -> None:
    """The attack as a browser runs it: an auto-submitting text/plain form with the user's cookie."""
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(app["url"])
    page.locator("input").first.fill("rita")
    page.locator("input[type=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_function("window.audiolabEditor !== undefined", timeout=30000)
    payload = json.dumps({"component_id": 0, "fn_name": "edit", "session_hash": "x",
                          "data": {"recording": app["rid"], "action": {"op": "add_speaker", "name": "csrf"}}})
    target = app["url"] + "gradio_api/component_server/"
    comp_id = page.evaluate("""async () => (await (await fetch('config')).json()).components
        .find((c) => c.props && c.props.elem_id === 'audiolab-editor').id""")
    payload = payload.replace('"component_id": 0', f'"component_id": {comp_id}')
    name, value = payload[:-1] + ',"x":"', '"}'
    evil = (f'<form id="f" method="POST" enctype="text/plain" action="{target}">'
            f'<input type="hidden" name=\'{name}\' value=\'{value}\'></form>'
            '<script>document.getElementById("f").submit()</script>').encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(evil)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        evil_origin = f"http://127.0.0.1:{server.server_address[1]}"
        statuses: list[int] = []
        page.on("response", lambda r: statuses.append(r.status) if "component_server" in r.url
                and r.request.headers.get("origin") == evil_origin else None)
        page.goto(evil_origin + "/evil.html")
        page.wait_for_timeout(1500)
        assert statuses == [403]
        assert "csrf" not in _speaker_names(app)
    finally:
        server.shutdown()
        ctx.close()


def test_uploads_have_a_size_limit(app) -> None:
    from audiolab.media.probe import MAX_BYTES_DEFAULT

    client = _signed_in(app["url"])
    assert client.get(app["url"] + "config").json()["max_file_size"] == MAX_BYTES_DEFAULT
