"""Annotators, review and quality: users and roles, assignments, independent copies,
adjudication, gold items, the review queue and the numbers a manager's dashboard shows.

Use cases shared by the UI and the CLI (pure scoring lives in :mod:`audiolab.qa`; the SQL on the
``users``, ``assignments`` and ``gold_items`` tables in :mod:`audiolab.storage`). One module per
concept, each importing only those above it in this list:

- :mod:`~audiolab.services.review.users`: users, roles, password hashing and sign-in;
- :mod:`~audiolab.services.review.assignments`: recordings given to people, status moves;
- :mod:`~audiolab.services.review.copies`: annotators' private copies and who sees which version;
- :mod:`~audiolab.services.review.adjudication`: merging the versions into the adjudicated one;
- :mod:`~audiolab.services.review.gold`: gold items and annotators' scores against them;
- :mod:`~audiolab.services.review.quality`: QA reports of a recording or a project;
- :mod:`~audiolab.services.review.queue`: draft segments ranked by risk;
- :mod:`~audiolab.services.review.dashboard`: per-annotator numbers for managers.

Everything public is re-exported here: ``from audiolab.services import review as rv; rv.assign(...)``.

Roles:

- ``annotator``: works on assigned recordings; with an *independent* assignment on a private
  copy of the draft (a tier of role ``annotation`` owned by them) and never sees other
  annotators' copies nor gold;
- ``reviewer``: sees every version, accepts or rejects submissions, adjudicates;
- ``manager``: everything a reviewer does, plus users, assignments and gold.

Passwords are stored only as ``scrypt`` hashes (per-user random salt, n=2**14, r=8, p=1) and
compared in constant time; neither a password nor a hash is ever logged or printed.

Assignment status moves ``assigned -> in_progress -> submitted -> reviewed | rejected``; a
rejected assignment goes back to ``in_progress`` (or straight to ``submitted``) for rework.
Anything else raises :class:`ValidationError`.
"""

from __future__ import annotations

from audiolab.qa.agreement import align_annotations
from audiolab.services.review.adjudication import Choice, adjudicate, auto_choices
from audiolab.services.review.assignments import (
    COPY_DESCRIPTION,
    Assignment,
    assign,
    assignments,
    get_assignment,
    review_assignment,
    seed_gold,
    start,
    submit,
)
from audiolab.services.review.copies import visible_tiers, working_tier
from audiolab.services.review.dashboard import SESSION_GAP_S, SESSION_GRACE_S, AnnotatorStats, annotator_stats
from audiolab.services.review.gold import GoldItem, gold_items, gold_scores, is_gold, mark_gold
from audiolab.services.review.quality import qa_project, qa_recording
from audiolab.services.review.queue import QueueItem, review_queue
from audiolab.services.review.users import (
    REVIEWERS,
    ROLES,
    THROTTLE,
    LoginThrottle,
    Role,
    User,
    add_user,
    authenticate,
    get_user,
    has_users,
    hash_password,
    list_users,
    remove_user,
    require_role,
    session_epoch,
    set_active,
    set_password,
    verify_password,
)

__all__ = [
    "COPY_DESCRIPTION", "REVIEWERS", "ROLES", "SESSION_GAP_S", "SESSION_GRACE_S", "THROTTLE", "LoginThrottle",
    "AnnotatorStats", "Assignment", "Choice", "GoldItem", "QueueItem", "Role", "User", "add_user", "adjudicate",
    "align_annotations", "annotator_stats", "assign", "assignments", "authenticate", "auto_choices",
    "get_assignment", "get_user", "gold_items", "gold_scores", "has_users", "hash_password", "is_gold", "list_users",
    "mark_gold", "qa_project", "qa_recording", "remove_user", "require_role", "session_epoch", "set_active", "review_assignment", "review_queue", "seed_gold",
    "set_password", "start", "submit", "verify_password", "visible_tiers", "working_tier",
]
