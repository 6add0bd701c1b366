"""The EAF writer of ``audiolab.export.eaf`` against pympi-ling's own ``to_eaf``.

The export serializes the ``pympi.Elan.Eaf`` it builds with its own string writer (pympi's is
too slow for 10,000 segments). These tests keep the two from drifting: the same document must come
out byte for byte as pympi writes it, and read back (with pympi and with defusedxml) to the same
tiers, annotations, vocabularies, linked files and properties, escaping and forbidden characters
included.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from audiolab.export import ExportOptions
from audiolab.export import eaf as eafmod

sys.path.insert(0, str(Path(__file__).parent))
from export_sample import sample_transcript  # noqa: E402

NASTY = "x < y & \"quoted\" 'single' > z\x07bell\x1b\ufffe end"  # & < > quotes, control characters, U+FFFE
NASTY_CLEAN = "x < y & \"quoted\" 'single' > zbell end"
NASTY_NAME = "O'Brien \"Bob\" <&>"


def _pympi_text(eaf, tmp_path: Path) -> str:  # noqa: ANN001 - pympi Eaf
    from pympi.Elan import to_eaf

    path = tmp_path / "pympi.eaf"
    to_eaf(str(path), eaf, pretty=True)
    with open(path, encoding="utf-8", newline="") as f:  # as written: a "\r" stays a "\r"
        text = f.read()
    path.unlink()
    return text


def _read(text: str, tmp_path: Path, name: str):  # noqa: ANN202 - pympi Eaf
    from pympi.Elan import Eaf

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Eaf(str(path))


def _summary(eaf) -> dict:  # noqa: ANN001 - pympi Eaf
    """Everything a reader gets from a document, with annotation times resolved."""
    ts = eaf.timeslots
    tiers = {}
    for name, (aligned, refs, attrib, order) in eaf.tiers.items():
        tiers[name] = (
            attrib, order,
            {aid: (ts[a], ts[b], value, svg) for aid, (a, b, value, svg) in aligned.items()},
            dict(refs),
            eaf.get_annotation_data_for_tier(name) if aligned else eaf.get_ref_annotation_data_for_tier(name),
        )
    return {
        "tiers": tiers, "adocument": eaf.adocument, "header": eaf.header, "licenses": eaf.licenses,
        "media": eaf.media_descriptors, "linked": eaf.linked_file_descriptors, "properties": eaf.properties,
        "types": eaf.linguistic_types, "locales": eaf.locales, "languages": eaf.languages,
        "constraints": eaf.constraints, "cvs": eaf.controlled_vocabularies, "lexicons": eaf.lexicon_refs,
        "external": eaf.external_refs,
    }


def _elements(text: str) -> list[tuple]:
    """Every element (tag, attributes, stripped text) in document order, parsed by defusedxml."""
    from defusedxml.ElementTree import fromstring

    return [(el.tag, dict(el.attrib), (el.text or "").strip()) for el in fromstring(text.encode("utf-8")).iter()]


def _strip_illegal(eaf) -> None:  # noqa: ANN001 - pympi Eaf
    """What the writer drops, removed from the model itself (for pympi's writer to compare with)."""
    clean = eafmod._ILLEGAL.sub
    for name, (aligned, refs, attrib, order) in list(eaf.tiers.items()):
        for aid, (a, b, value, svg) in aligned.items():
            aligned[aid] = (a, b, clean("", value), svg)
        for aid, (ref, value, prev, svg) in refs.items():
            refs[aid] = (ref, clean("", value), prev, svg)


@pytest.mark.parametrize("opts", [ExportOptions(), ExportOptions(clock="video", snap_to_frames=True)],
                         ids=["media", "video"])
def test_export_is_byte_identical_to_pympi(opts: ExportOptions, tmp_path: Path) -> None:
    eaf = eafmod.build(sample_transcript(), opts)
    assert eafmod.serialize(eaf) == _pympi_text(eaf, tmp_path)
    assert eafmod.dumps(sample_transcript(), opts) == _pympi_text(eaf, tmp_path)


def test_every_element_kind_is_written_as_pympi_writes_it(tmp_path: Path) -> None:
    from pympi.Elan import Eaf

    eaf = Eaf(author='a "quoted" <author> & co')
    eaf.adocument["DATE"] = "2026-01-01T00:00:00Z"
    eaf.add_license("CC BY & friends <4.0>", "https://example.org/?a=1&b=2")
    eaf.add_linked_file("file:///m/a b.wav", relpath="./a b.wav", mimetype="audio/x-wav", time_origin=40,
                        ex_from="file:///m/video.mp4")
    eaf.add_secondary_linked_file("file:///m/notes.txt", mimetype="text/plain")
    eaf.add_property("empty", "")
    eaf.add_property("multi\tline", 'one\ntwo\r"three" & <four>')
    eaf.add_locale("en", "GB", "oxford")
    eaf.add_language("nld", "http://cdb.iso.org/lg/CDB-00138580-001", "Dutch (nld)")
    eaf.add_lexicon_ref("lr1", "lexicon & co", "LEXUS", "http://lex/?a&b", "lex1", "lexname", "dt", "dtid")
    eaf.add_external_ref("er1", "ecv", "http://ext/cv.ecv?x=<1>")
    eaf.add_controlled_vocabulary("cv&1", ext_ref="er1")
    eaf.add_cv_description("cv&1", "nld", 'a "desc" <here>')
    eaf.add_cv_description("cv&1", "nld")  # no description text
    eaf.add_cv_entry("cv&1", "cve1", [("ja & nee", "nld", "a <description>"), ("", "nld", None)], ext_ref="er1")
    eaf.add_cv_entry("cv&1", "cve2", [])
    eaf.add_controlled_vocabulary("empty cv")
    eaf.add_linguistic_type("ref", "Symbolic_Association", timealignable=False)
    eaf.add_tier('tier "one" <&>', part="P & Q", ann="ann'tator", language="nld", locale="en")
    eaf.add_tier("refs", "ref", parent='tier "one" <&>')
    eaf.add_tier("empty tier")
    eaf.add_annotation('tier "one" <&>', 0, 1000, "a < b && c > d")
    eaf.add_annotation('tier "one" <&>', 1000, 2000, "", svg_ref="svg1")
    eaf.add_annotation('tier "one" <&>', 2000, 2500, "multi\nline\tvalue\r")
    eaf.add_ref_annotation("refs", 'tier "one" <&>', 500, 'ref "&" <value>')
    eaf.add_ref_annotation("refs", 'tier "one" <&>', 1500, "", prev="a2", svg="svg2")
    eaf.timeslots["ts99"] = None  # an unaligned time slot
    eaf.timeslots["ts100"] = 2200

    ours = eafmod.serialize(eaf)
    assert ours == _pympi_text(eaf, tmp_path)
    assert _summary(_read(ours, tmp_path, "ours.eaf")) == _summary(eaf.__class__(str(tmp_path / "ours.eaf")))
    assert _elements(ours)[0][1]["AUTHOR"] == 'a "quoted" <author> & co'


def test_escaping_and_forbidden_characters_read_back(tmp_path: Path) -> None:
    """Text with ``<``, ``&``, quotes and control characters, through the whole export."""
    t = sample_transcript()
    speakers = tuple(dataclasses.replace(s, name=NASTY_NAME) if s.name == "Alice" else s for s in t.speakers)
    first = t.segments[0]
    segments = (dataclasses.replace(first, text=NASTY),) + t.segments[1:]
    t = dataclasses.replace(t, speakers=speakers, segments=segments)
    opts = ExportOptions()

    ours = eafmod.dumps(t, opts)
    assert "\x07" not in ours and "\x1b" not in ours and "\ufffe" not in ours
    reference = eafmod.build(t, opts)
    _strip_illegal(reference)  # pympi would write the control characters as they are: not XML
    theirs = _pympi_text(reference, tmp_path)
    assert ours == theirs

    # Read back by pympi: the same tiers and annotations as pympi's own file gives.
    got, want = _read(ours, tmp_path, "ours.eaf"), _read(theirs, tmp_path, "theirs.eaf")
    assert _summary(got) == _summary(want)
    assert got.get_annotation_data_for_tier(NASTY_NAME)[0] == (500, 3200, NASTY_CLEAN)
    assert got.get_parameters_for_tier(NASTY_NAME)["PARTICIPANT"] == NASTY_NAME
    assert got.get_parameters_for_tier(NASTY_NAME + eafmod.WORDS_SUFFIX)["PARENT_REF"] == NASTY_NAME
    # Read back by defusedxml: the same elements, attributes and texts.
    assert _elements(ours) == _elements(theirs)
    assert (("ANNOTATION_VALUE", {}, NASTY_CLEAN)) in _elements(ours)


def test_export_reads_back_with_pympi_like_pympis_own_file(tmp_path: Path) -> None:
    """A larger document (lanes, words, emotions, events) parsed from both writers' output."""
    t = sample_transcript()
    opts = ExportOptions(clock="video", snap_to_frames=True)
    eaf = eafmod.build(t, opts)
    got = _read(eafmod.serialize(eaf), tmp_path, "ours.eaf")
    want = _read(_pympi_text(eaf, tmp_path), tmp_path, "theirs.eaf")
    assert _summary(got) == _summary(want)
    assert set(got.tiers) == set(eaf.tiers) and len(got.tiers) >= 6
    for name in eaf.tiers:
        assert len(got.tiers[name][0]) == len(eaf.tiers[name][0])
        assert len(got.tiers[name][1]) == len(eaf.tiers[name][1])
