"""Plain-dict codec for the core types (history rows, JSON export, the UI's wire format).

Dataclasses become dicts, spans become ``start_ms``/``end_ms``, enums their values, tuples lists.
Decoding is driven by the dataclass's type hints, so it never guesses a type from a key.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import Any, TypeVar

from audiolab.core.model import Span

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """Encode a core value as JSON-able data.

    >>> from audiolab.core.model import Word
    >>> to_dict(Word(Span(0, 10), "hi", 0.9))
    {'start_ms': 0, 'end_ms': 10, 'text': 'hi', 'probability': 0.9, 'speaker_id': None}
    """
    if isinstance(obj, Span):
        return {"start_ms": obj.start_ms, "end_ms": obj.end_ms}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, Span) and f.name == "span":
                out.update(to_dict(value))
            else:
                out[f.name] = to_dict(value)
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], value) if len(args) == 1 else value
    if origin is tuple:
        (item, *_rest) = typing.get_args(tp)
        return tuple(_decode(item, v) for v in value)
    if origin in (list, dict) or tp is Any:
        return value
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return tp(value)
        if tp is Span:
            return Span(int(value["start_ms"]), int(value["end_ms"]))
        if dataclasses.is_dataclass(tp):
            return from_dict(tp, value)
        if tp is int and isinstance(value, float) and value.is_integer():
            return int(value)
    return value


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Decode what :func:`to_dict` produced back into ``cls``; unknown keys are ignored.

    >>> from audiolab.core.model import Word
    >>> from_dict(Word, {"start_ms": 0, "end_ms": 10, "text": "hi"})
    Word(span=Span(start_ms=0, end_ms=10), text='hi', probability=None, speaker_id=None)
    """
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name == "span" and hints[f.name] is Span and "start_ms" in data:
            kwargs["span"] = Span(int(data["start_ms"]), int(data["end_ms"]))
        elif f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name])
    return cls(**kwargs)
