"""Revoking access: disable, enable, remove, new passwords end sessions; sign-in is throttled."""

from __future__ import annotations

import io

import pytest

from audiolab.cli import main
from audiolab.errors import ValidationError
from audiolab.services import review as rv


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_disable_enable_and_new_passwords_change_the_session_epoch(wb) -> None:
    rv.add_user(wb, "ann", "annotator", "first-pw")
    epoch = rv.session_epoch(wb, "ann")
    assert epoch is not None
    rv.set_active(wb, "ann", False)
    assert rv.session_epoch(wb, "ann") is None  # disabled: every open session ends
    assert not rv.authenticate(wb, "ann", "first-pw", rv.LoginThrottle())
    rv.set_active(wb, "ann", True)
    reopened = rv.session_epoch(wb, "ann")
    assert reopened is not None and reopened != epoch  # sessions from before the disable stay ended
    rv.set_password(wb, "ann", "second-pw")
    assert rv.session_epoch(wb, "ann") not in (None, reopened)
    assert not rv.authenticate(wb, "ann", "first-pw", rv.LoginThrottle())
    assert rv.authenticate(wb, "ann", "second-pw", rv.LoginThrottle())


def test_remove_refuses_a_user_with_assignments(wb, speech_wav) -> None:
    rec = wb.ingest_file(speech_wav).recording
    rv.add_user(wb, "ann", "annotator", "pw-ann")
    rv.add_user(wb, "bob", "annotator", "pw-bob")
    rv.assign(wb, [rec.id], to="ann")
    with pytest.raises(ValidationError, match="disable the user instead"):
        rv.remove_user(wb, "ann")
    rv.remove_user(wb, "bob")
    assert [u.name for u in rv.list_users(wb)] == ["ann"]


def test_the_cli_disables_enables_removes_and_changes_passwords(db_path, monkeypatch, capsys) -> None:
    db = str(db_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-one\n"))
    assert main(["user", "add", "ann", "--role", "annotator", "--password-stdin", "--db", db]) == 0
    assert main(["user", "disable", "ann", "--db", db]) == 0
    assert main(["user", "ls", "--db", db]) == 0
    assert "disabled" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-two\n"))
    assert main(["user", "passwd", "ann", "--password-stdin", "--db", db]) == 0
    assert main(["user", "enable", "ann", "--db", db]) == 0
    from audiolab.services import Workbench

    wb = Workbench(db)
    assert rv.authenticate(wb, "ann", "pw-two", rv.LoginThrottle())
    assert not rv.authenticate(wb, "ann", "pw-one", rv.LoginThrottle())
    assert main(["user", "remove", "ann", "--db", db]) == 0
    assert main(["user", "remove", "ann", "--db", db]) == 1
    assert "no user 'ann'" in capsys.readouterr().err


def test_thirty_wrong_sign_ins_lock_the_name_for_a_while(wb) -> None:
    rv.add_user(wb, "ann", "annotator", "right-pw")
    clock = Clock()
    throttle = rv.LoginThrottle(limit=5, window_s=60.0, clock=clock)
    results = [rv.authenticate(wb, "ann", f"guess-{i}", throttle) for i in range(30)]
    assert not any(results)
    assert not rv.authenticate(wb, "ann", "right-pw", throttle)  # locked: even the right password
    assert rv.authenticate(wb, "bob-is-unknown", "x", throttle) is False
    clock.t += 61
    assert rv.authenticate(wb, "ann", "right-pw", throttle)  # the window passed
