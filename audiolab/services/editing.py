"""Editing operations annotators perform, each one batch through the edit API.

Every function takes the entities as the editor last saw them (their versions are the
optimistic-concurrency check) and returns the :class:`BatchResult` with the stored values.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from audiolab.core.model import (
    Origin,
    Segment,
    SegmentStatus,
    Span,
    Speaker,
    Tag,
    TagKind,
    Word,
    new_id,
    speaker_color,
)
from audiolab.core.words import realign_words
from audiolab.services.realign import clamp_words, mark_unaligned
from audiolab.errors import ValidationError
from audiolab.services import Workbench
from audiolab.storage.edits import BatchResult, Change


def _inside_recording(wb: Workbench, recording_id: str, span: Span, what: str) -> Span:
    """``span`` if it ends by the recording's end (1 ms of rounding allowed), else ValidationError."""
    duration = wb.recording(recording_id).duration_ms
    if span.end_ms > duration + 1:
        raise ValidationError(f"a {what} cannot end after the recording ({span.end_ms} ms > {duration} ms)")
    return span


def _retimed(seg: Segment, **changes: object) -> Segment:
    """:func:`_human`, and flagged for acoustic re-alignment: its text or span changed, so its
    word times are a guess until :mod:`audiolab.services.realign` re-times them."""
    return mark_unaligned(_human(seg, **changes))


def _human(seg: Segment, **changes: object) -> Segment:
    status = changes.pop("status", None) or (
        SegmentStatus.CORRECTED if seg.status == SegmentStatus.DRAFT else seg.status)
    return dataclasses.replace(seg, touched=True, status=status, **changes)  # type: ignore[arg-type]


def set_text(wb: Workbench, seg: Segment, text: str, author: str, scope: str = "") -> BatchResult:
    text = text.strip()
    words = realign_words(seg.words, text, seg.span)
    new = _retimed(seg, text=text, words=words)
    return wb.apply(seg.recording_id, [Change.update(new)], author, "edit text", scope)


def text_pattern(find: str, match_case: bool = False, whole_words: bool = True) -> re.Pattern[str]:
    """The regular expression a find / replace uses for the literal text ``find``.

    >>> bool(text_pattern("new jersey").search("Diane in New Jersey."))
    True
    >>> bool(text_pattern("jersey").search("Jerseys"))
    False
    """
    if not find.strip():
        raise ValidationError("type the text to find")
    pattern = re.escape(find.strip())
    if whole_words:
        pattern = r"(?<!\w)" + pattern + r"(?!\w)"
    return re.compile(pattern, 0 if match_case else re.IGNORECASE)


def replace_text(wb: Workbench, segments: Iterable[Segment], find: str, replace: str, author: str, scope: str = "",
                 match_case: bool = False, whole_words: bool = True) -> BatchResult:
    """Replace every occurrence of ``find`` in the segments' text, as ONE undoable batch.

    Word timings are kept where words still match (:func:`realign_words`); changed segments
    become human-corrected like any text edit.

    Raises:
        ValidationError: ``find`` is empty or occurs nowhere.
    """
    pattern = text_pattern(find, match_case, whole_words)
    changes = []
    occurrences = 0
    for seg in segments:
        new_text, n = pattern.subn(lambda _m: replace, seg.text)
        new_text = " ".join(new_text.split())
        if n and new_text != seg.text:
            occurrences += n
            changes.append(Change.update(_retimed(seg, text=new_text, words=realign_words(seg.words, new_text, seg.span))))
    if not changes:
        raise ValidationError(f"'{find.strip()}' is not in the transcript")
    rec_id = changes[0].value.recording_id
    return wb.apply(rec_id, changes, author,
                    f"replace '{find.strip()}' with '{replace}' ({occurrences} in {len(changes)} segments)", scope)


def set_span(wb: Workbench, seg: Segment, start_ms: int, end_ms: int, author: str, scope: str = "") -> BatchResult:
    span = _inside_recording(wb, seg.recording_id, Span(int(start_ms), int(end_ms)), "segment")
    new = _retimed(seg, span=span, words=clamp_words(seg.words, span))  # no word dropped: text and words agree
    return wb.apply(seg.recording_id, [Change.update(new)], author, "move boundary", scope)


def set_speaker(wb: Workbench, seg: Segment, speaker_id: str | None, author: str, scope: str = "") -> BatchResult:
    words = tuple(dataclasses.replace(w, speaker_id=speaker_id) for w in seg.words)
    new = _human(seg, speaker_id=speaker_id, words=words)
    return wb.apply(seg.recording_id, [Change.update(new)], author, "change speaker", scope)


def set_segment_status(wb: Workbench, seg: Segment, status: SegmentStatus, author: str, scope: str = "") -> BatchResult:
    new = _human(seg, status=status)
    return wb.apply(seg.recording_id, [Change.update(new)], author, f"mark {status.value}", scope)


def split(wb: Workbench, seg: Segment, at_ms: int, author: str, scope: str = "") -> BatchResult:
    """Split a segment at ``at_ms``: words go to the side that holds their midpoint."""
    at_ms = int(at_ms)
    if not seg.span.start_ms < at_ms < seg.span.end_ms:
        raise ValidationError(f"split point {at_ms} ms is not inside the segment ({seg.span.start_ms}-{seg.span.end_ms} ms)")
    left_w = tuple(w for w in seg.words if (w.span.start_ms + w.span.end_ms) / 2 < at_ms)
    right_w = tuple(w for w in seg.words if (w.span.start_ms + w.span.end_ms) / 2 >= at_ms)
    if seg.words:
        left_t, right_t = " ".join(w.text for w in left_w), " ".join(w.text for w in right_w)
    else:
        left_t, right_t = seg.text, ""
    left = _retimed(seg, span=Span(seg.span.start_ms, at_ms), text=left_t, words=left_w)
    right = _retimed(dataclasses.replace(seg, id=new_id(), version=1), span=Span(at_ms, seg.span.end_ms),
                   text=right_t, words=right_w)
    return wb.apply(seg.recording_id, [Change.update(left), Change.create(right)], author, "split", scope)


MergeSpeaker = str | None  # a speaker id, None (no speaker), or one of the rules FIRST / MOST_SPEECH
FIRST = "first"  # the first segment's speaker
MOST_SPEECH = "most"  # the speaker of the segment holding more speech (see speech_ms)


def speech_ms(seg: Segment) -> int:
    """How much speech a segment holds: its words' total duration, else its span's."""
    if seg.words:
        return sum(w.span.duration_ms for w in seg.words)
    return seg.span.duration_ms


def speaker_with_more_speech(a: Segment, b: Segment) -> str | None:
    """The speaker of whichever of two segments holds more speech (a tie: the earlier one's).

    >>> s = lambda i, a, b, spk: Segment(id=i, recording_id="r", tier_id="t", span=Span(a, b), speaker_id=spk)
    >>> speaker_with_more_speech(s("and", 0, 160, "diane"), s("rest", 160, 3200, "sheila"))
    'sheila'
    """
    first, second = sorted((a, b), key=lambda s: s.span)
    return second.speaker_id if speech_ms(second) > speech_ms(first) else first.speaker_id


def merge(wb: Workbench, first: Segment, second: Segment, tags: Iterable[Tag] = (), author: str = "", scope: str = "",
          speaker: MergeSpeaker = FIRST) -> BatchResult:
    """Merge ``second`` into ``first``; tags attached to ``second`` move to ``first``.

    ``speaker`` is the merged segment's speaker: :data:`FIRST` (``first``'s, the default),
    :data:`MOST_SPEECH` (:func:`speaker_with_more_speech`), or a speaker id (None: no speaker).
    With a rule other than FIRST every word is attributed to that speaker.
    """
    if first.recording_id != second.recording_id or first.tier_id != second.tier_id:
        raise ValidationError("only segments of the same tier can be merged")
    if first.id == second.id:
        raise ValidationError("a segment cannot be merged with itself")
    a, b = sorted((first, second), key=lambda s: s.span)
    text = " ".join(t for t in (a.text.strip(), b.text.strip()) if t)
    words = a.words + b.words
    if speaker == FIRST:
        spk = first.speaker_id
    else:
        spk = speaker_with_more_speech(a, b) if speaker == MOST_SPEECH else speaker
        words = tuple(dataclasses.replace(w, speaker_id=spk) for w in words)
    merged = _retimed(first, span=a.span.union(b.span), text=text, words=words, speaker_id=spk,
                    flags=tuple(dict.fromkeys(a.flags + b.flags)))
    changes = [Change.update(merged)]
    for t in tags:
        if t.segment_id == second.id:
            changes.append(Change.update(dataclasses.replace(t, segment_id=first.id)))
    changes.append(Change.delete(second))
    return wb.apply(first.recording_id, changes, author, "merge", scope)


# -- edits at the text cursor ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TextCut:
    """A segment's text (as typed in the editor) cut at the text cursor, with the words' timings.

    ``at_ms`` is where the cut falls in time: the start of the first word after the cursor (word
    timings after the edit come from :func:`realign_words`), else a point in proportion to the
    characters on each side. A cursor inside a word cuts before that word.
    """

    left_text: str
    right_text: str
    left_words: tuple[Word, ...]
    right_words: tuple[Word, ...]
    at_ms: int


_TOKEN = re.compile(r"\S+")


def cut_text(seg: Segment, text: str, cursor: int) -> TextCut:
    """Cut ``text`` (the segment's text as the editor holds it) at character ``cursor``.

    >>> seg = Segment(id="s", recording_id="r", tier_id="t", span=Span(1000, 2000), text="so I")
    >>> c = cut_text(seg, "So I", 3)
    >>> (c.left_text, c.right_text, c.at_ms)
    ('So', 'I', 1500)
    """
    text = text.replace("\n", " ")
    cursor = max(0, min(len(text), int(cursor)))
    while 0 < cursor < len(text) and not text[cursor - 1].isspace() and not text[cursor].isspace():
        cursor -= 1  # inside a word: cut before it
    left, right = text[:cursor].strip(), text[cursor:].strip()
    words = realign_words(seg.words, " ".join(t for t in (left, right) if t), seg.span)
    n_left = len(_TOKEN.findall(left))
    left_w, right_w = words[:n_left], words[n_left:]
    span = seg.span
    if right_w and left_w and span.start_ms < right_w[0].span.start_ms < span.end_ms:
        at = right_w[0].span.start_ms
    elif not left:
        at = span.start_ms
    elif not right:
        at = span.end_ms
    else:
        at = span.start_ms + round(span.duration_ms * len(left) / (len(left) + len(right)))
        at = min(max(at, span.start_ms + 1), span.end_ms - 1)
    return TextCut(left, right, tuple(left_w), tuple(right_w), int(at))


def _inside(cut: TextCut, seg: Segment) -> None:
    if not (cut.left_text and cut.right_text):
        raise ValidationError("put the text cursor between two words (there are words on one side only)")
    if not seg.span.start_ms < cut.at_ms < seg.span.end_ms:
        raise ValidationError("the segment is too short to cut there")


def split_at_text(wb: Workbench, seg: Segment, text: str, cursor: int, author: str, scope: str = "") -> BatchResult:
    """Split a segment at the text cursor: the text after it goes to a new segment (one batch,
    with the text as typed saved)."""
    cut = cut_text(seg, text, cursor)
    _inside(cut, seg)
    left = _retimed(seg, span=Span(seg.span.start_ms, cut.at_ms), text=cut.left_text, words=cut.left_words)
    right = _retimed(dataclasses.replace(seg, id=new_id(), version=1), span=Span(cut.at_ms, seg.span.end_ms),
                   text=cut.right_text, words=cut.right_words)
    return wb.apply(seg.recording_id, [Change.update(left), Change.create(right)], author, "split at the text cursor",
                    scope)


def move_words(wb: Workbench, seg: Segment, text: str, cursor: int, neighbour: Segment, direction: str,
               tags: Iterable[Tag] = (), author: str = "", scope: str = "") -> BatchResult:
    """Move the words after the text cursor to the next segment (``direction="next"``), or the
    words before it to the previous one (``"previous"``), in one batch.

    The moved words join ``neighbour`` (at its start, or its end) and take its speaker; the
    boundary between the two moves to where the moved words begin (or end). A segment left with
    no words is deleted, its tags going to ``neighbour``.
    """
    if direction not in ("next", "previous"):
        raise ValidationError(f"move words to the 'next' or 'previous' segment, not {direction!r}")
    if neighbour.tier_id != seg.tier_id or neighbour.id == seg.id:
        raise ValidationError("words move to another segment of the same version")
    cut = cut_text(seg, text, cursor)
    to_next = direction == "next"
    moved_text, moved_words = (cut.right_text, cut.right_words) if to_next else (cut.left_text, cut.left_words)
    kept_text, kept_words = (cut.left_text, cut.left_words) if to_next else (cut.right_text, cut.right_words)
    if not moved_text:
        raise ValidationError("there are no words " + ("after" if to_next else "before") + " the text cursor to move")
    moved_words = tuple(dataclasses.replace(w, speaker_id=neighbour.speaker_id) for w in moved_words)
    changes: list[Change] = []
    if to_next:
        at = cut.at_ms if kept_text else seg.span.start_ms
        span = Span(min(neighbour.span.start_ms, at), max(neighbour.span.end_ms, at + 1))
        joined = " ".join(t for t in (moved_text, neighbour.text.strip()) if t)
        changes.append(Change.update(_retimed(neighbour, span=span, text=joined, words=moved_words + neighbour.words)))
        if kept_text:
            changes.append(Change.update(_retimed(seg, span=Span(seg.span.start_ms, at), text=kept_text, words=kept_words)))
    else:
        at = cut.at_ms if kept_text else seg.span.end_ms
        span = Span(min(neighbour.span.start_ms, at - 1), max(neighbour.span.end_ms, at))
        joined = " ".join(t for t in (neighbour.text.strip(), moved_text) if t)
        changes.append(Change.update(_retimed(neighbour, span=span, text=joined, words=neighbour.words + moved_words)))
        if kept_text:
            changes.append(Change.update(_retimed(seg, span=Span(at, seg.span.end_ms), text=kept_text, words=kept_words)))
    if not kept_text:
        changes += [Change.update(dataclasses.replace(t, segment_id=neighbour.id)) for t in tags if t.segment_id == seg.id]
        changes.append(Change.delete(seg))
    return wb.apply(seg.recording_id, changes, author, f"move words to the {direction} segment", scope)


def words_to_speaker(wb: Workbench, seg: Segment, text: str, cursor: int, speaker_id: str | None, author: str,
                     scope: str = "") -> BatchResult:
    """Give the words after the text cursor to another speaker: they become a new segment of
    that speaker (the whole segment changes speaker when the cursor is before its first word)."""
    cut = cut_text(seg, text, cursor)
    if not cut.right_text:
        raise ValidationError("there are no words after the text cursor")
    if not cut.left_text:
        words = tuple(dataclasses.replace(w, speaker_id=speaker_id) for w in cut.right_words)
        new = _human(seg, speaker_id=speaker_id, text=cut.right_text, words=words)
        return wb.apply(seg.recording_id, [Change.update(new)], author, "change speaker", scope)
    _inside(cut, seg)
    left = _retimed(seg, span=Span(seg.span.start_ms, cut.at_ms), text=cut.left_text, words=cut.left_words)
    right = _retimed(dataclasses.replace(seg, id=new_id(), version=1), span=Span(cut.at_ms, seg.span.end_ms),
                   text=cut.right_text, speaker_id=speaker_id,
                   words=tuple(dataclasses.replace(w, speaker_id=speaker_id) for w in cut.right_words))
    return wb.apply(seg.recording_id, [Change.update(left), Change.create(right)], author,
                    "give words to another speaker", scope)


def create_segment(wb: Workbench, recording_id: str, tier_id: str, start_ms: int, end_ms: int, author: str,
                   speaker_id: str | None = None, text: str = "", scope: str = "") -> BatchResult:
    span = _inside_recording(wb, recording_id, Span(int(start_ms), int(end_ms)), "segment")
    seg = Segment(id=new_id(), recording_id=recording_id, tier_id=tier_id, span=span, text=text.strip(),
                  speaker_id=speaker_id, words=realign_words((), text, span), origin=Origin.HUMAN,
                  status=SegmentStatus.CORRECTED, touched=True)
    return wb.apply(recording_id, [Change.create(seg)], author, "add segment", scope)


def delete_segment(wb: Workbench, seg: Segment, tags: Iterable[Tag] = (), author: str = "", scope: str = "") -> BatchResult:
    changes = [Change.delete(t) for t in tags if t.segment_id == seg.id]
    changes.append(Change.delete(seg))
    return wb.apply(seg.recording_id, changes, author, "delete segment", scope)


def add_speaker(wb: Workbench, recording_id: str, name: str, author: str, existing: Iterable[Speaker] = ()) -> BatchResult:
    existing = list(existing)
    labels = {s.label for s in existing}
    n = len(existing)
    while f"SPEAKER_{n:02d}" in labels:
        n += 1
    spk = Speaker(id=new_id(), recording_id=recording_id, label=f"SPEAKER_{n:02d}", name=name.strip(),
                  color=speaker_color(n))
    return wb.apply(recording_id, [Change.create(spk)], author, "add speaker")


def rename_speaker(wb: Workbench, speaker: Speaker, name: str, author: str) -> BatchResult:
    return wb.apply(speaker.recording_id, [Change.update(dataclasses.replace(speaker, name=name.strip()))], author, "rename speaker")


def merge_speakers(wb: Workbench, keep: Speaker, drop: Speaker, segments: Iterable[Segment], author: str,
                   delete_drop: bool = True) -> BatchResult:
    """Give ``drop``'s segments (and words) among ``segments`` to ``keep``, then delete ``drop``.

    Only the segments given change: an editor passes those of the version it edits. Pass
    ``delete_drop=False`` when other versions still use ``drop`` (it then stays for them).
    """
    if keep.id == drop.id:
        raise ValidationError("cannot merge a speaker with itself")
    changes: list[Change] = []
    for s in segments:
        if uses_speaker(s, drop.id):
            words = tuple(dataclasses.replace(w, speaker_id=keep.id) if w.speaker_id == drop.id else w for w in s.words)
            sid = keep.id if s.speaker_id == drop.id else s.speaker_id
            changes.append(Change.update(dataclasses.replace(s, speaker_id=sid, words=words, touched=True)))
    if delete_drop:
        changes.append(Change.delete(drop))
    if not changes:
        raise ValidationError(f"{drop.display_name} has no segments in this version")
    return wb.apply(keep.recording_id, changes, author, "merge speakers")


def uses_speaker(seg: Segment, speaker_id: str) -> bool:
    """Whether a segment or one of its words is attributed to the speaker."""
    return seg.speaker_id == speaker_id or any(w.speaker_id == speaker_id for w in seg.words)


def add_tag(wb: Workbench, recording_id: str, kind: TagKind, start_ms: int, end_ms: int, label: str, author: str,
            segment_id: str | None = None, tier_id: str | None = None, note: str = "", scope: str = "") -> BatchResult:
    label = label.strip()
    if not label and kind != TagKind.NOTE:
        raise ValidationError("a tag needs a label")
    span = _inside_recording(wb, recording_id, Span(int(start_ms), int(end_ms)), "tag")
    tag = Tag(id=new_id(), recording_id=recording_id, kind=kind, span=span, label=label,
              tier_id=tier_id, segment_id=segment_id, note=note, origin=Origin.HUMAN)
    return wb.apply(recording_id, [Change.create(tag)], author, f"tag {kind.value}", scope)


def update_tag(wb: Workbench, tag: Tag, author: str, scope: str = "", **changes: object) -> BatchResult:
    if "start_ms" in changes or "end_ms" in changes:
        span = Span(int(changes.pop("start_ms", tag.span.start_ms)), int(changes.pop("end_ms", tag.span.end_ms)))  # type: ignore[arg-type]
        changes["span"] = _inside_recording(wb, tag.recording_id, span, "tag")
    return wb.apply(tag.recording_id, [Change.update(dataclasses.replace(tag, **changes))], author, "edit tag", scope)  # type: ignore[arg-type]


def delete_tag(wb: Workbench, tag: Tag, author: str, scope: str = "") -> BatchResult:
    return wb.apply(tag.recording_id, [Change.delete(tag)], author, "delete tag", scope)
