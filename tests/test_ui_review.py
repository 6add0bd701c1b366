"""Browser test of sign-in, independent copies, review and adjudication: real app, real Chromium,
real sample audio; the database is the judge."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from audiolab.core.model import TierRole
from audiolab.services import Workbench
from audiolab.services import review as rv
from tests.conftest import shared_file
from tests.test_ui_editor import seed_sample, wait_db

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORDS = {"alice": "alice-pw-1", "bob": "bob-pw-22", "rita": "rita-pw-333"}
ALICE_2, ALICE_5 = "Alice heard zebra crossing here.", "Alice thinks this one is fine."
BOB_2, BOB_5 = "Bob heard a quiet harbour here.", "Bob is sure the words were otherwise."


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path_factory.mktemp("review") / "review.db")
    rid = seed_sample(wb, shared_file("diarization/pyannote_sample.wav"), shared_file("diarization/pyannote_sample.stm"))
    rv.add_user(wb, "alice", "annotator", PASSWORDS["alice"])
    rv.add_user(wb, "bob", "annotator", PASSWORDS["bob"])
    rv.add_user(wb, "rita", "reviewer", PASSWORDS["rita"])
    rv.assign(wb, [rid], "alice", independent=True)
    rv.assign(wb, [rid], "bob", independent=True)
    url, demo = serve(wb)  # users exist: sign-in through review.authenticate
    yield {"wb": wb, "url": url, "rid": rid}
    demo.close()


def sign_in(browser, url: str, user: str, password: str | None = None):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    page.goto(url)
    page.locator("input").first.fill(user)
    page.locator("input[type=password]").fill(password or PASSWORDS[user])
    page.keyboard.press("Enter")
    return ctx, page


def open_own(page, url: str, rid: str) -> None:
    page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=20000)
    page.goto(f"{url}#rec={rid}")
    page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=20000)


def edit_text(page, index: int, text: str) -> str:
    """Edit the text of the index-th segment of the open copy through the editor; returns its id."""
    sid = page.evaluate(f"window.audiolabEditor.state.segs[{index}].id")
    page.locator(f'.al-row[data-id="{sid}"] .al-time').click()
    page.keyboard.press("Enter")
    page.fill(".al-edit", text)
    page.keyboard.press("Enter")
    return sid


def own_tier(wb: Workbench, rid: str, user: str):
    return next(x for x in wb.transcript(rid).tiers if x.role == TierRole.ANNOTATION and x.owner == user)


def texts_of(wb: Workbench, rid: str, user: str) -> list[str]:
    t = wb.transcript(rid)
    return [s.text for s in t.segments_of(own_tier(wb, rid, user).id)]


def tab_names(page) -> list[str]:
    return [t.strip() for t in page.get_by_role("tab").all_inner_texts()]


def server_call(page, fn: str, data: dict) -> dict:
    """Call one of the review component's server functions with this page's session cookie."""
    return page.evaluate(
        """async ([fn, data]) => {
          const cfg = await (await fetch('config')).json();
          const comp = cfg.components.find((c) => c.props && c.props.elem_id === 'audiolab-review');
          const r = await fetch('gradio_api/component_server', {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({component_id: comp.id, fn_name: fn, data, session_hash: 'probe'})});
          return {status: r.status, body: await r.json()};
        }""", [fn, data])


@pytest.mark.browser
def test_sign_in_copies_review_and_adjudicate(app, browser):
    wb, url, rid = app["wb"], app["url"], app["rid"]
    ARTIFACTS.mkdir(exist_ok=True)

    # A wrong password is refused by the login page; nothing of the app is served.
    ctx, page = sign_in(browser, url, "alice", "not-her-password")
    page.wait_for_timeout(800)
    assert page.locator(".al-editor").count() == 0
    assert "incorrect credentials" in page.locator("body").inner_text().lower()
    ctx.close()

    # Requests without a session are refused with 401 (page config, API info, server functions).
    for path, body in [("config", None), ("gradio_api/info", None),
                       ("gradio_api/component_server", {"component_id": 1, "fn_name": "load", "data": {}, "session_hash": "x"})]:
        req = urllib.request.Request(url + path, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 401, path

    # alice edits her own copy through the editor.
    actx, alice = sign_in(browser, url, "alice")
    open_own(alice, url, rid)
    assert "(own copy)" in alice.locator(".al-user").inner_text()
    assert tab_names(alice) == ["Editor", "Library"]  # no Review / Dashboard for annotators
    edit_text(alice, 2, ALICE_2)
    edit_text(alice, 5, ALICE_5)
    wait_db(alice, lambda: {ALICE_2, ALICE_5} <= set(texts_of(wb, rid, "alice")), "alice's edits")
    # The review functions refuse her on the server, whatever the page shows.
    refused = server_call(alice, "adjudicate", {"recording": rid, "prefer": "alice"})
    assert refused["status"] == 200 and not refused["body"]["ok"]
    assert "needs the role reviewer or manager" in refused["body"]["message"]
    assert not [x for x in wb.transcript(rid).tiers if x.role == TierRole.ADJUDICATED]
    with pytest.raises(Exception, match="needs the role"):
        rv.adjudicate(wb, rid, "alice", prefer="alice")

    # bob never sees alice's text; he edits the same lines differently.
    bctx, bob = sign_in(browser, url, "bob")
    open_own(bob, url, rid)
    body = bob.locator("body").inner_text()
    assert "Alice" not in body and "zebra" not in body
    assert "Alice" not in json.dumps(bob.evaluate("window.audiolabEditor.state.segs"))
    edit_text(bob, 2, BOB_2)
    edit_text(bob, 5, BOB_5)
    wait_db(bob, lambda: {BOB_2, BOB_5} <= set(texts_of(wb, rid, "bob")), "bob's edits")
    assert ALICE_2 not in texts_of(wb, rid, "bob") and BOB_2 not in texts_of(wb, rid, "alice")
    assert ALICE_2 not in [s.text for s in wb.transcript(rid).segments_of(f"{rid}-transcript")]
    rv.submit(wb, rid, "alice", "done")
    rv.submit(wb, rid, "bob", "done")
    actx.close()
    bctx.close()

    # rita reviews: both versions side by side, alice's line 2 and bob's line 5, then adjudicates.
    rctx, rita = sign_in(browser, url, "rita")
    rita.wait_for_selector(".al-editor", timeout=20000)
    rita.get_by_role("tab", name="Dashboard").wait_for(timeout=10000)  # shown by the page's load event
    assert tab_names(rita) == ["Editor", "Library", "Review", "Dashboard"]
    rita.get_by_role("tab", name="Review").click()
    rita.wait_for_function("window.audiolabReview && window.audiolabReview.data && window.audiolabReview.rows.length > 0",
                           timeout=20000)
    assert rita.locator(".rv-ha").inner_text() == "A · alice" and rita.locator(".rv-hb").inner_text() == "B · bob"
    row2 = rita.locator("tr", has=rita.locator("td.rv-a", has_text="zebra"))
    row5 = rita.locator("tr", has=rita.locator("td.rv-a", has_text="this one is fine"))
    assert "quiet harbour" in row2.locator("td.rv-b").inner_text()
    assert "otherwise" in row5.locator("td.rv-b").inner_text()
    assert row2.locator("td.rv-a .rv-chg", has_text="zebra").count() == 1  # differences are marked
    row2.locator("input[value=a]").check()
    row5.locator("input[value=b]").check()
    card = rita.locator(".rv-card[data-user=alice]")
    card.locator(".rv-cin").fill("clean work")
    card.locator(".rv-accept").click()
    wait_db(rita, lambda: rv.get_assignment(wb, rid, "alice").status == "reviewed", "accept alice")
    assert rv.get_assignment(wb, rid, "alice").comment == "clean work"
    assert rv.get_assignment(wb, rid, "alice").reviewed_by == "rita"
    assert row5.locator("input[value=b]").is_checked()  # the picks survive the re-render
    rita.locator(".rv-adj").click()
    rita.wait_for_function("document.querySelector('.rv-msg.ok')?.textContent.startsWith('Adjudicated')", timeout=15000)

    t = wb.transcript(rid)
    adj = [x for x in t.tiers if x.role == TierRole.ADJUDICATED]
    assert len(adj) == 1 and t.main_tier() == adj[0]
    adj_texts = [s.text for s in t.segments_of(adj[0].id)]
    assert ALICE_2 in adj_texts and BOB_5 in adj_texts
    assert BOB_2 not in adj_texts and ALICE_5 not in adj_texts
    assert len(adj_texts) == len(texts_of(wb, rid, "alice"))
    assert "adjudicated" in rita.locator(".rv-main").inner_text()

    # The queue steps with j/k; Enter opens the segment in the editor.
    assert rita.locator(".rv-qitem").count() > 0
    rita.locator(".rv-table").click(position={"x": 5, "y": 5})
    rita.keyboard.press("j")
    rita.keyboard.press("j")
    rita.keyboard.press("k")
    assert rita.evaluate("window.audiolabReview.qi") == 0
    assert rita.locator(".rv-qitem.sel").count() == 1
    rita.screenshot(path=str(ARTIFACTS / "review.png"), full_page=False)
    q0 = rita.evaluate("window.audiolabReview.queue[0]")
    rita.keyboard.press("Enter")
    rita.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready && "
                           "document.querySelector('#audiolab-editor').offsetParent !== null", timeout=15000)
    assert f"seg={q0['segment']}" in rita.evaluate("location.hash")
    rita.wait_for_function(f"Math.abs(window.audiolabEditor.media().currentTime * 1000 - {q0['start']}) < 50", timeout=5000)

    # The dashboard shows both annotators.
    rita.get_by_role("tab", name="Dashboard").click()
    rita.get_by_text("3 people with work", exact=False).wait_for(timeout=20000)  # alice, bob and rita
    rita.wait_for_timeout(1500)  # let the plots draw before the picture
    table = rita.locator("#audiolab-dashboard-table").inner_text()
    assert "alice" in table and "bob" in table
    rita.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    rctx.close()


def test_review_helpers_check_roles_and_versions(wb, speech_wav):
    """The server side without a browser: role checks, word diff, stale choices, dashboard rows."""
    from types import SimpleNamespace

    from audiolab.core.model import Segment, Span
    from audiolab.errors import AuthError, ValidationError
    from audiolab.storage.edits import Change
    from audiolab.ui import dashboard, review as ui_review

    rec = wb.ingest_file(speech_wav).recording
    wb.apply(rec.id, [Change.create(Segment(id="s1", recording_id=rec.id, tier_id=f"{rec.id}-transcript",
                                            span=Span(0, 900), text="hello there"))], "t")
    rv.add_user(wb, "ann", "annotator", "pw-ann-1")
    rv.add_user(wb, "ben", "annotator", "pw-ben-1")
    rv.add_user(wb, "rev", "reviewer", "pw-rev-1")
    for who in ("ann", "ben"):
        rv.assign(wb, [rec.id], who, independent=True)
        tier = rv.working_tier(wb, rec.id, who)
        seg = wb.transcript(rec.id).segments_of(tier.id)[0]
        from audiolab.services import editing
        editing.set_text(wb, seg, f"hello {who}", who, tier.id)
    with pytest.raises(AuthError):
        ui_review.reviewer_of(wb, SimpleNamespace(username="ann"))
    assert ui_review.reviewer_of(wb, SimpleNamespace(username="rev")) == "rev"
    assert ui_review.word_diff("a b c", "a x c") == ([["a", False], ["b", True], ["c", False]],
                                                     [["a", False], ["x", True], ["c", False]])
    cmp = ui_review.compare(wb, rec.id)
    assert (cmp["a"], cmp["b"], len(cmp["rows"])) == ("ann", "ben", 1)
    row = cmp["rows"][0]
    stale = {"keep": "b", "a": row["a"], "b": {**row["b"], "version": row["b"]["version"] - 1}}
    with pytest.raises(ValidationError, match="changed this segment meanwhile"):
        ui_review.choices_from(wb, rec.id, "ann", "ben", [stale])
    swapped = {"keep": "a", "a": row["b"], "b": row["a"]}  # ben's segment passed off as ann's
    with pytest.raises(ValidationError, match="not part of"):
        ui_review.choices_from(wb, rec.id, "ann", "ben", [swapped])
    edited = ui_review.choices_from(wb, rec.id, "ann", "ben", [{**row, "keep": "edit", "text": "hello both"}])
    rv.adjudicate(wb, rec.id, "rev", edited)
    t = wb.transcript(rec.id)
    assert [s.text for s in t.segments_of(t.main_tier().id)] == ["hello both"]
    df = dashboard.stats_frame(wb, "default")
    assert set(df["person"]) == {"ann", "ben", "rev"} and list(df.columns) == dashboard.COLUMNS
    assert df.set_index("person").loc["ann", "segs edited"] == 1
    bars = dashboard._bar_data(df, "segs edited", "Segments edited")  # the plot: annotators only
    assert dict(zip(bars["value"]["annotator"], bars["value"]["value"])) == {"ann": 1.0, "ben": 1.0}
    assert dashboard.refresh_values(wb, "default", "ann")[0].startswith("**")  # an annotator gets no numbers
    assert dashboard.refresh_values(wb, "default", "rev")[1].shape[0] == 3
