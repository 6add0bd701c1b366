"""ELAN (.eaf) writer, through ``pympi-ling``.

Tiers: for each speaker (display name; ``(no speaker)`` for unattributed segments) a
time-aligned tier ``<name>`` (linguistic type ``utterance``, ``PARTICIPANT`` = the name) with the
segments; a dependent tier ``<name> - words`` (``Included_In``) with the timed words; a dependent
tier ``<name> - emotion`` (``Symbolic_Association``) holding each emotion tag attached to a segment
as a reference annotation on that segment, with the project's emotion vocabulary as its
controlled vocabulary. Sound events go to a time-aligned tier ``sound events`` with the sound-event
vocabulary; emotion tags not attached to a segment to a tier ``emotions``. Overlapping annotations
of one tier (not allowed in ELAN) go to lanes ``<name> [2]`` with their own dependents.

The recording is linked as the media (``MEDIA_DESCRIPTOR``); its ``TIME_ORIGIN`` is the media
position of annotation time 0: 0 in media time, the video's start offset in video time (when
positive). The start timecode, frame rate and recording id are written as header properties.
"""

from __future__ import annotations

import mimetypes
import os
import tempfile
from pathlib import Path

from audiolab.core.model import TagKind, Transcript, Vocabulary
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.records import SegmentRecord, iter_segments, iter_tags, lane_name, lanes, one_line

EXTENSION = ".eaf"
NO_SPEAKER = "(no speaker)"
WORDS_SUFFIX = " - words"
EMOTION_SUFFIX = " - emotion"
EVENTS_TIER = "sound events"
EMOTIONS_TIER = "emotions"
CV_IDS = {TagKind.EMOTION: "emotions", TagKind.SOUND_EVENT: "sound_events"}
LANG = "und"


def _mime(path: str) -> str:
    guess = mimetypes.guess_type(path)[0]
    return guess or ("video/*" if Path(path).suffix.lower() in (".mp4", ".mov", ".mkv", ".webm", ".mpg") else "audio/*")


def _vocab_labels(t: Transcript, opts: ExportOptions, kind: TagKind) -> list[str]:
    vocab: list[str] = []
    for v in opts.vocabularies:
        if isinstance(v, Vocabulary) and v.kind == kind:
            vocab.extend(v.labels())
    for tag in t.tags_of(kind):  # labels used but not (or no longer) in the vocabulary
        if tag.label not in vocab:
            vocab.append(tag.label)
    return vocab


def build(t: Transcript, opts: ExportOptions):  # noqa: ANN201 - pympi Eaf
    from pympi.Elan import Eaf

    tmap = TimeMap(t.recording, opts)
    eaf = Eaf(author="audiolab")
    eaf.adocument["DATE"] = t.recording.created_at or "1970-01-01T00:00:00Z"
    eaf.remove_tier("default")
    eaf.add_language(LANG, LANG, "undetermined")
    # Media, with its time origin.
    c = tmap.clock
    origin = c.offset_ms if (c is not None and opts.clock == "video" and c.offset_ms > 0) else None
    url = opts.media_url or t.recording.path
    eaf.add_linked_file(Path(url).resolve().as_uri() if os.path.isabs(url) else url, relpath=url,
                        mimetype=_mime(url), time_origin=origin)
    eaf.add_property("audiolab:recording_id", t.recording.id)
    if c is not None:
        eaf.add_property("audiolab:fps", f"{c.fps.numerator}/{c.fps.denominator}")
        eaf.add_property("audiolab:drop_frame", str(c.drop_frame).lower())
        eaf.add_property("audiolab:clock", opts.clock)
        if c.start_timecode:
            eaf.add_property("audiolab:start_timecode", c.start_timecode)
    # Vocabularies and linguistic types.
    for kind, cv in CV_IDS.items():
        eaf.add_controlled_vocabulary(cv)
        eaf.add_cv_description(cv, LANG, f"audiolab {kind.value} labels ({t.recording.project})")
        for i, label in enumerate(_vocab_labels(t, opts, kind)):
            eaf.add_cv_entry(cv, f"cveid_{cv}_{i}", [(label, LANG, None)])
    eaf.add_linguistic_type("utterance")
    eaf.add_linguistic_type("words", "Included_In")
    eaf.add_linguistic_type("emotion", param_dict={
        "LINGUISTIC_TYPE_ID": "emotion", "TIME_ALIGNABLE": "false", "GRAPHIC_REFERENCES": "false",
        "CONSTRAINTS": "Symbolic_Association", "CONTROLLED_VOCABULARY_REF": CV_IDS[TagKind.EMOTION]})
    for ling, cv in (("sound_event", CV_IDS[TagKind.SOUND_EVENT]), ("emotion_region", CV_IDS[TagKind.EMOTION])):
        eaf.add_linguistic_type(ling, param_dict={
            "LINGUISTIC_TYPE_ID": ling, "TIME_ALIGNABLE": "true", "GRAPHIC_REFERENCES": "false",
            "CONTROLLED_VOCABULARY_REF": cv})
    # Speakers.
    emotion_of: dict[str, str] = {}
    for tag in t.tags_of(TagKind.EMOTION):
        if tag.segment_id:
            emotion_of.setdefault(tag.segment_id, tag.label)
    by_speaker: dict[str, list[SegmentRecord]] = {}
    for rec in iter_segments(t, opts, tmap):
        by_speaker.setdefault(rec.speaker or NO_SPEAKER, []).append(rec)
    for name in sorted(by_speaker):
        for i, lane in enumerate(lanes(by_speaker[name], lambda r: (r.start_ms, r.end_ms))):
            tier = lane_name(name, i)
            eaf.add_tier(tier, "utterance", language=LANG, part=name if name != NO_SPEAKER else None)
            words_tier = lane_name(name + WORDS_SUFFIX, i)
            emo_tier = lane_name(name + EMOTION_SUFFIX, i)
            has_words = opts.include_words and any(r.words for r in lane)
            has_emo = opts.include_emotions and any(r.segment.id in emotion_of for r in lane)
            if has_words:
                eaf.add_tier(words_tier, "words", parent=tier, language=LANG, part=name)
            if has_emo:
                eaf.add_tier(emo_tier, "emotion", parent=tier, language=LANG, part=name)
            for rec in lane:
                eaf.add_annotation(tier, rec.start_ms, rec.end_ms, one_line(rec.text))
                seg_aid = f"a{eaf.maxaid}"  # the id pympi just gave this annotation
                if has_words:
                    # Words stay inside their segment (Included_In), in time order, never overlapping.
                    last = rec.start_ms
                    for w in sorted(rec.words, key=lambda w: w.start_ms):
                        a, b = max(w.start_ms, last, rec.start_ms), min(w.end_ms, rec.end_ms)
                        if b > a:
                            eaf.add_annotation(words_tier, a, b, one_line(w.text))
                            last = b
                if has_emo and rec.segment.id in emotion_of:
                    # A symbolic association to the segment's annotation (what add_ref_annotation
                    # does, without its linear search for the parent by time).
                    aid = eaf.generate_annotation_id()
                    eaf.annotations[aid] = emo_tier
                    eaf.tiers[emo_tier][1][aid] = (seg_aid, emotion_of[rec.segment.id], None, None)
    # Sound events and free-standing emotion regions.
    for kind, base, ling, on in ((TagKind.SOUND_EVENT, EVENTS_TIER, "sound_event", opts.include_events),
                                 (TagKind.EMOTION, EMOTIONS_TIER, "emotion_region", opts.include_emotions)):
        items = [r for r in iter_tags(t, opts, kind, tmap) if kind != TagKind.EMOTION or not r.tag.segment_id]
        if not on or not items:
            continue
        for i, lane in enumerate(lanes(items, lambda r: (r.start_ms, r.end_ms))):
            tier = lane_name(base, i)
            eaf.add_tier(tier, ling, language=LANG)
            for r in lane:
                eaf.add_annotation(tier, r.start_ms, r.end_ms, r.label)
    return eaf


def dumps(t: Transcript, opts: ExportOptions) -> str:
    from pympi.Elan import to_eaf

    eaf = build(t, opts)
    fd, tmp = tempfile.mkstemp(suffix=EXTENSION)
    os.close(fd)
    try:
        to_eaf(tmp, eaf, pretty=True)
        with open(tmp, encoding="utf-8") as f:
            return f.read()
    finally:
        os.unlink(tmp)
