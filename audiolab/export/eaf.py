"""ELAN (.eaf), through ``pympi-ling``: writer and reader.

Tiers: for each speaker (display name; ``(no speaker)`` for unattributed segments) a
time-aligned tier ``<name>`` (linguistic type ``utterance``, ``PARTICIPANT`` = the name) with the
segments; a dependent tier ``<name> - words`` (``Included_In``) with the timed words; a dependent
tier ``<name> - emotion`` (``Symbolic_Association``) holding each emotion tag attached to a segment
as a reference annotation on that segment, with the project's emotion vocabulary as its
controlled vocabulary. Sound events go to a time-aligned tier ``sound events`` with the sound-event
vocabulary; emotion tags not attached to a segment to a tier ``emotions``. Overlapping annotations
of one tier (not allowed in ELAN) go to lanes ``<name> [2]`` with their own dependents.

What ELAN cannot hold is refused, never dropped: a segment's words go on its ``Included_In`` word
tier as :func:`~audiolab.export.records.tier_words` lays them out (time order, timing noise of up
to 20 ms, a frame when snapping, trimmed); words that overlap or leave their segment by more are
refused naming the segment (``--no-words`` leaves words out). The emotion tier holds one emotion
per segment (a symbolic association takes its parent's time), so a segment carrying two emotions
is refused naming the segment and the labels. An emotion of the version attached to a segment
that is not exported goes to ``emotions`` with the free-standing ones.

The recording is linked as the media (``MEDIA_DESCRIPTOR``); its ``TIME_ORIGIN`` is the media
position of annotation time 0: 0 in media time, the video's start offset in video time (when
positive). The start timecode, frame rate and recording id are written as header properties.

The document is built as a ``pympi.Elan.Eaf`` (the model the importer and users read EAF with),
but it is serialized by :func:`serialize` below rather than by ``pympi.Elan.to_eaf``: pympi's
writer turns the model into an ElementTree (one element per time slot, annotation and value,
about 455,000 for 10,000 segments with 80,000 words) and lets ElementTree pretty-print it; that
measured 1.6-1.9 s of the 2.5 s export of 10,000 segments (``bench/export.py``), over the 2 s
export goal. Writing the same XML as strings joined once takes 0.23 s (export 1.1 s). The
document is also built a little faster: word annotations go straight into the ``Eaf``'s
structures (:func:`_add_word`). The output is byte for byte what
``to_eaf(path, eaf, pretty=True)`` writes (same elements, attribute order, indentation and
escaping; pinned by ``tests/test_export_eaf_writer.py``), except that characters XML 1.0 forbids
(control characters, lone surrogates, U+FFFE/U+FFFF) are dropped, where pympi would write a file
no XML parser accepts.

Reading (:func:`parse`) undoes that layout: top-level tiers are speakers, their ``- words`` and
``- emotion`` dependents words and emotion tags. The text is checked by
:func:`~audiolab.export.reading.check_xml` (no DTDs, no entities) before ``pympi`` opens the file.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from xml.sax.saxutils import escape

from audiolab.core.model import TagKind, Transcript, Vocabulary
from audiolab.errors import ImportFormatError, ValidationError
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.reading import (
    ImportedDoc,
    ImportedSegment,
    ImportedTag,
    ImportedWord,
    ReadOptions,
    attach_words,
    check_span,
    check_xml,
    line_of,
    unlaned,
)
from audiolab.export.records import (
    SegmentRecord,
    TagRecord,
    check_tier_names,
    iter_segments,
    iter_tags,
    lane_name,
    lanes,
    one_line,
    seconds,
    tier_words,
    where,
    word_slack_ms,
)

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


def _add_word(eaf, tier: str, start: int, end: int, value: str) -> None:  # noqa: ANN001 - pympi Eaf
    """What ``Eaf.add_annotation`` does (same ids, same structures), without its checks.

    For the word annotations (80,000 for 10,000 segments): the caller has already clipped
    them to ``0 <= start < end`` inside their segment, which pympi accepted.
    """
    n = eaf.maxts
    start_ts, end_ts = f"ts{n + 1}", f"ts{n + 2}"
    eaf.timeslots[start_ts] = start
    eaf.timeslots[end_ts] = end
    eaf.maxts = n + 2
    eaf.maxaid += 1
    aid = f"a{eaf.maxaid}"
    eaf.annotations[aid] = tier
    eaf.tiers[tier][0][aid] = (start_ts, end_ts, value, None)


def build(t: Transcript, opts: ExportOptions):  # noqa: ANN201 - pympi Eaf
    """The transcript as a ``pympi.Elan.Eaf`` document (tiers as in the module docstring)."""
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
    by_speaker: dict[str, list[SegmentRecord]] = {}
    records = list(iter_segments(t, opts, tmap))
    for rec in records:
        by_speaker.setdefault(rec.speaker or NO_SPEAKER, []).append(rec)
    check_tier_names({r.speaker for r in records if r.speaker}, "EAF", (NO_SPEAKER, EVENTS_TIER, EMOTIONS_TIER),
                     (WORDS_SUFFIX, EMOTION_SUFFIX))
    emotions = list(iter_tags(t, opts, TagKind.EMOTION, tmap))
    exported = {rec.segment.id for rec in records}
    emotion_of = _emotion_of_segments(records, [r for r in emotions if r.tag.segment_id in exported],
                                      opts.include_emotions)
    slack = word_slack_ms(tmap)
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
                    for w in tier_words(rec, "EAF", slack, _WORDS_HOLD):
                        _add_word(eaf, words_tier, w.start_ms, w.end_ms, one_line(w.text))
                if has_emo and rec.segment.id in emotion_of:
                    # A symbolic association to the segment's annotation (what add_ref_annotation
                    # does, without its linear search for the parent by time).
                    aid = eaf.generate_annotation_id()
                    eaf.annotations[aid] = emo_tier
                    eaf.tiers[emo_tier][1][aid] = (seg_aid, emotion_of[rec.segment.id], None, None)
    # Sound events and free-standing emotion regions.
    for kind, base, ling, on in ((TagKind.SOUND_EVENT, EVENTS_TIER, "sound_event", opts.include_events),
                                 (TagKind.EMOTION, EMOTIONS_TIER, "emotion_region", opts.include_emotions)):
        items = (list(iter_tags(t, opts, kind, tmap)) if kind == TagKind.SOUND_EVENT
                 else [r for r in emotions if r.tag.segment_id not in exported])
        if not on or not items:
            continue
        for i, lane in enumerate(lanes(items, lambda r: (r.start_ms, r.end_ms))):
            tier = lane_name(base, i)
            eaf.add_tier(tier, ling, language=LANG)
            for r in lane:
                eaf.add_annotation(tier, r.start_ms, r.end_ms, r.label)
    return eaf


_WORDS_HOLD = "ELAN's word tier (Included_In) holds a segment's words one after another, inside the segment"


def _emotion_of_segments(records: list[SegmentRecord], attached: list[TagRecord], on: bool) -> dict[str, str]:
    """The emotion label of each segment that has one (the symbolic association's value).

    Raises:
        ValidationError: a segment has two or more emotions (ELAN's emotion tier holds one per
            segment), naming the segment and the labels.
    """
    by_segment: dict[str, list[TagRecord]] = {}
    for r in attached:
        by_segment.setdefault(r.tag.segment_id or "", []).append(r)
    if not on:
        return {}
    for rec in records:
        tags = by_segment.get(rec.segment.id, [])
        if len(tags) > 1:
            spans = sorted((x.tag.span for x in tags))
            overlap = any(a.overlaps(b) for a, b in zip(spans, spans[1:]))
            labels = ", ".join(f"{x.label} {seconds(x.tag.span.start_ms)}-{seconds(x.tag.span.end_ms)} s" for x in tags)
            raise ValidationError(
                f"EAF: {where(rec)} has {len(tags)} emotions ({labels}){' that overlap in time' if overlap else ''}; "
                "ELAN's emotion tier holds one emotion per segment (a symbolic association on the segment). "
                "Delete all but one of them, or export to textgrid, labelstudio or json, which hold them all")
    return {seg_id: tags[0].label for seg_id, tags in by_segment.items()}


# Characters XML 1.0 does not allow (section 2.2): dropped from every text and attribute value.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTR_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}
_SPECIAL = re.compile("[&<>\"\r\n\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TS_NUMBER = re.compile(r"ts(\d+)")


def _text(value: object) -> str:
    """Character data: legal characters only, ``&``, ``<`` and ``>`` escaped."""
    v = value if isinstance(value, str) else str(value)
    if _SPECIAL.search(v) is None:  # the common case: nothing to do
        return v
    return escape(_ILLEGAL.sub("", v))


def _attr(value: object) -> str:
    """An attribute value (to go between double quotes), escaped as ElementTree does."""
    v = value if isinstance(value, str) else str(value)
    if _SPECIAL.search(v) is None:
        return v
    return escape(_ILLEGAL.sub("", v), _ATTR_ENTITIES)


def _attrs(items: dict) -> str:
    """`` NAME="value"`` for each attribute that is not None, in the dictionary's order."""
    return "".join(f' {k}="{_attr(v)}"' for k, v in items.items() if v is not None)


def _leaf(out: list[str], indent: str, tag: str, attrs: dict, text: object = None) -> None:
    """An element without children: ``<TAG a="v">text</TAG>``, or ``<TAG a="v" />`` when empty."""
    if text:
        out.append(f"{indent}<{tag}{_attrs(attrs)}>{_text(text)}</{tag}>\n")
    else:
        out.append(f"{indent}<{tag}{_attrs(attrs)} />\n")


def _plain(ids) -> bool:  # noqa: ANN001 - an iterable of str
    """Whether none of these ids needs escaping (checked at once: they are many and short)."""
    return _SPECIAL.search("".join(ids)) is None


def _ts_key(item: tuple[str, object]) -> tuple[int, str]:
    """Time slots in the order pympi writes them: by the number in their id."""
    ts = item[0]
    if ts[:2] == "ts" and ts[2:].isdigit():
        return int(ts[2:]), ts
    return int(_TS_NUMBER.findall(ts)[0]), ts


def serialize(eaf) -> str:  # noqa: ANN001 - pympi Eaf
    """A ``pympi.Elan.Eaf`` as EAF XML, the document ``pympi.Elan.to_eaf(path, eaf, pretty=True)`` writes.

    Elements come in pympi's order (licenses, header with media descriptors, linked files and
    properties, time order, tiers with their alignable then reference annotations, linguistic
    types, locales, languages, constraints, controlled vocabularies, lexicon and external refs),
    each at its depth in tabs with closing tags one tab deeper, as pympi's pretty printer puts
    them. Values are escaped for XML; characters XML 1.0 forbids are dropped.

    Args:
        eaf: the document.

    Returns:
        The XML text, with its ``<?xml ...?>`` declaration (encode it as UTF-8).
    """
    out: list[str] = ["<?xml version='1.0' encoding='UTF-8'?>\n", f"<ANNOTATION_DOCUMENT{_attrs(eaf.adocument)}>\n"]
    add = out.append
    for text, url in eaf.licenses:
        _leaf(out, "\t", "LICENSE", {"LICENSE_URL": url}, text)
    # Header.
    header = (eaf.media_descriptors or eaf.linked_file_descriptors or eaf.properties)
    if header:
        add(f"\t<HEADER{_attrs(eaf.header)}>\n")
        for m in eaf.media_descriptors:
            _leaf(out, "\t\t", "MEDIA_DESCRIPTOR", m)
        for m in eaf.linked_file_descriptors:
            _leaf(out, "\t\t", "LINKED_FILE_DESCRIPTOR", m)
        for name, value in eaf.properties:
            _leaf(out, "\t\t", "PROPERTY", {"NAME": name}, str(value))
        add("\t\t</HEADER>\n")
    else:
        add(f"\t<HEADER{_attrs(eaf.header)} />\n")
    # Time order.
    slots = sorted(eaf.timeslots.items(), key=_ts_key)
    if slots:
        add("\t<TIME_ORDER>\n")
        plain = _plain(eaf.timeslots)  # pympi's ids: nothing to escape, one check for all
        for ts, value in slots:
            ts = ts if plain else _attr(ts)
            if value is None:
                add(f'\t\t<TIME_SLOT TIME_SLOT_ID="{ts}" />\n')
            else:
                value = value if type(value) is int else _attr(value)
                add(f'\t\t<TIME_SLOT TIME_SLOT_ID="{ts}" TIME_VALUE="{value}" />\n')
        add("\t\t</TIME_ORDER>\n")
    else:
        add("\t<TIME_ORDER />\n")
    # Tiers, in the order they were added.
    for aligned, refs, attrib, _ in sorted(eaf.tiers.values(), key=lambda x: x[3]):
        if not aligned and not refs:
            add(f"\t<TIER{_attrs(attrib)} />\n")
            continue
        add(f"\t<TIER{_attrs(attrib)}>\n")
        plain = _plain(aligned) and _plain(x for a in aligned.values() for x in a[:2])
        for aid, (ts1, ts2, value, svg) in aligned.items():
            if not plain:
                aid, ts1, ts2 = _attr(aid), _attr(ts1), _attr(ts2)
            svg_attr = "" if svg is None else f' SVG_REF="{_attr(svg)}"'
            value_el = (f"\t\t\t\t<ANNOTATION_VALUE>{_text(value)}</ANNOTATION_VALUE>\n" if value
                        else "\t\t\t\t<ANNOTATION_VALUE />\n")
            add(f'\t\t<ANNOTATION>\n\t\t\t<ALIGNABLE_ANNOTATION ANNOTATION_ID="{aid}" '
                f'TIME_SLOT_REF1="{ts1}" TIME_SLOT_REF2="{ts2}"{svg_attr}>\n'
                f"{value_el}\t\t\t\t</ALIGNABLE_ANNOTATION>\n\t\t\t</ANNOTATION>\n")
        for aid, (ref, value, previous, svg) in refs.items():
            attrs = _attrs({"ANNOTATION_ID": aid, "ANNOTATION_REF": ref, "PREVIOUS_ANNOTATION": previous,
                            "SVG_REF": svg})
            value_el = (f"\t\t\t\t<ANNOTATION_VALUE>{_text(value)}</ANNOTATION_VALUE>\n" if value
                        else "\t\t\t\t<ANNOTATION_VALUE />\n")
            add(f"\t\t<ANNOTATION>\n\t\t\t<REF_ANNOTATION{attrs}>\n"
                f"{value_el}\t\t\t\t</REF_ANNOTATION>\n\t\t\t</ANNOTATION>\n")
        add("\t\t</TIER>\n")
    # Types, locales, languages, constraints.
    for lt in eaf.linguistic_types.values():
        _leaf(out, "\t", "LINGUISTIC_TYPE", lt)
    for code, (country, variant) in eaf.locales.items():
        _leaf(out, "\t", "LOCALE", {"LANGUAGE_CODE": code, "COUNTRY_CODE": country, "VARIANT": variant})
    for lid, (ldef, label) in eaf.languages.items():
        _leaf(out, "\t", "LANGUAGE", {"LANG_ID": lid, "LANG_DEF": ldef, "LANG_LABEL": label})
    for stereotype, description in eaf.constraints.items():
        _leaf(out, "\t", "CONSTRAINT", {"STEREOTYPE": stereotype, "DESCRIPTION": description})
    # Controlled vocabularies.
    for cv_id, (descriptions, entries, ext_ref) in eaf.controlled_vocabularies.items():
        cv_attrs = {"CV_ID": cv_id, "EXT_REF": ext_ref}
        if not descriptions and not entries:
            _leaf(out, "\t", "CONTROLLED_VOCABULARY", cv_attrs)
            continue
        add(f"\t<CONTROLLED_VOCABULARY{_attrs(cv_attrs)}>\n")
        for lang_ref, description in descriptions:
            _leaf(out, "\t\t", "DESCRIPTION", {"LANG_REF": lang_ref}, description)
        for cve_id, (values, cve_ext_ref) in entries.items():
            entry_attrs = {"CVE_ID": cve_id, "EXT_REF": cve_ext_ref}
            if not values:
                _leaf(out, "\t\t", "CV_ENTRY_ML", entry_attrs)
                continue
            add(f"\t\t<CV_ENTRY_ML{_attrs(entry_attrs)}>\n")
            for value, lang_ref, description in values:
                _leaf(out, "\t\t\t", "CVE_VALUE", {"LANG_REF": lang_ref, "DESCRIPTION": description}, value)
            add("\t\t\t</CV_ENTRY_ML>\n")
        add("\t\t</CONTROLLED_VOCABULARY>\n")
    # Lexicon and external references.
    for lex in eaf.lexicon_refs.values():
        _leaf(out, "\t", "LEXICON_REF", lex)
    for ext_id, (ext_type, value) in eaf.external_refs.items():
        _leaf(out, "\t", "EXTERNAL_REF", {"EXT_REF_ID": ext_id, "TYPE": ext_type, "VALUE": value})
    add("\t</ANNOTATION_DOCUMENT>\n")
    return "".join(out)


def dumps(t: Transcript, opts: ExportOptions) -> str:
    """The transcript as an ELAN document (see the module docstring for its tiers)."""
    return serialize(build(t, opts))


# -- reading ----------------------------------------------------------------------------------

def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """ELAN: top-level time-aligned tiers as speakers (PARTICIPANT, else the tier name), their
    ``- words`` dependents as words, ``- emotion`` dependents as emotion tags of the segment,
    ``sound events`` / ``emotions`` tiers as tags.

    Args:
        path: the file; ``pympi`` reads it from here once ``text`` has passed the XML checks.
        text: its text.
        options: unused (EAF needs none).

    Raises:
        ImportFormatError: refused or malformed XML, a file pympi cannot read, or an empty or
            reversed annotation (with the line of its ``ANNOTATION_ID``).
    """
    import warnings

    from pympi.Elan import Eaf

    doc = ImportedDoc(str(path), "eaf")
    check_xml(doc.path, text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eaf = Eaf(str(path), suppress_version_warning=True)
    except Exception as exc:
        raise ImportFormatError(doc.path, f"not a readable ELAN file ({type(exc).__name__}: {exc})") from None
    ts = eaf.timeslots
    seg_of_aid: dict[str, int] = {}
    words: dict[str | None, list[ImportedWord]] = {}
    emotion_refs: list[tuple[str, str]] = []
    # Independent tiers first so dependents can refer to their segments.
    tier_names = sorted(eaf.tiers, key=lambda n: "PARENT_REF" in eaf.tiers[n][2])
    for name in tier_names:
        aligned, refs, attrib, _ = eaf.tiers[name]
        base = unlaned(name)
        parent = attrib.get("PARENT_REF")
        for aid, (t1, t2, value, _svg) in sorted(aligned.items(), key=lambda kv: (ts.get(kv[1][0]) or 0)):
            a, b = ts.get(t1), ts.get(t2)
            if a is None or b is None:
                continue  # unaligned slot of a dependent tier; ELAN interpolates, this reader skips it
            check_span(doc.path, a, b, line_of(text, f'ANNOTATION_ID="{aid}"'), f"annotation {aid} of tier '{name}'")
            value = value or ""
            if base == EVENTS_TIER:
                doc.tags.append(ImportedTag(TagKind.SOUND_EVENT, a, b, value))
            elif base == EMOTIONS_TIER:
                doc.tags.append(ImportedTag(TagKind.EMOTION, a, b, value))
            elif parent and base.endswith(WORDS_SUFFIX):
                spk = base[: -len(WORDS_SUFFIX)]
                words.setdefault(None if spk == NO_SPEAKER else spk, []).append(ImportedWord(a, b, value))
            elif not parent:
                spk = attrib.get("PARTICIPANT") or base
                seg_of_aid[aid] = len(doc.segments)
                doc.segments.append(ImportedSegment(a, b, " ".join(value.split()), None if spk == NO_SPEAKER else spk))
        if base.endswith(EMOTION_SUFFIX):
            for _aid, (ref, value, _prev, _svg) in refs.items():
                emotion_refs.append((ref, value or ""))
    attach_words(doc, words)
    for ref, value in emotion_refs:
        if ref in seg_of_aid and value:
            s = doc.segments[seg_of_aid[ref]]
            doc.tags.append(ImportedTag(TagKind.EMOTION, s.start_ms, s.end_ms, value, seg_of_aid[ref]))
    return doc
