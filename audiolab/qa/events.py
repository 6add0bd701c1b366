"""Sound-event detection scores with tolerances: segment-based and event-based F1.

Definitions follow Mesaros, Heittola and Virtanen, "Metrics for Polyphonic Sound Event
Detection", Applied Sciences 6(6):162, 2016 (the definitions ``sed_eval`` implements; that
package does not install cleanly on Python 3.11 here, its ``dcase_util`` dependency imports
``pkg_resources``, so the two metrics are computed here from the paper):

- **Segment-based**: the timeline ``[0, duration)`` is cut into segments of ``resolution_s``
  (1 s by default). A label is *active* in a segment when any event with that label overlaps
  it. Per segment and label: active in both -> TP, only in the estimate -> FP, only in the
  reference -> FN. Counts are summed over segments and labels (micro average) and
  ``F1 = 2TP / (2TP + FP + FN)``.
- **Event-based**: an estimated event matches a reference event with the same label when
  ``|onset_est - onset_ref| <= t_collar`` and ``|offset_est - offset_ref| <=
  max(t_collar, percentage_of_length * duration_ref)`` (defaults 200 ms and 50 %). Each event
  matches at most one other: a maximum one-to-one matching per label (sed_eval's "optimal"
  matching). TP = matched pairs, FP = unmatched estimates, FN = unmatched references.

Both return 1.0 when reference and estimate are both empty (nothing to find, nothing found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audiolab.core.model import Span


@dataclass(frozen=True, slots=True)
class Event:
    """One labelled region (a sound-event tag, reduced to what scoring needs)."""

    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class EventScores:
    """Intermediate counts and the F1 they give."""

    tp: int
    fp: int
    fn: int

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 1.0 if denominator == 0 else 2 * self.tp / denominator

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def segment_based(reference: Sequence[Event], estimate: Sequence[Event], duration_ms: int,
                  resolution_s: float = 1.0) -> EventScores:
    """Segment-based counts at ``resolution_s`` (Mesaros et al. 2016, section 3.1)."""
    step = max(1, int(round(resolution_s * 1000)))
    n = max(1, -(-duration_ms // step))
    ref, est = _activity(reference, step, n), _activity(estimate, step, n)
    tp = fp = fn = 0
    for k in range(n):
        r, e = ref[k], est[k]
        tp += len(r & e)
        fp += len(e - r)
        fn += len(r - e)
    return EventScores(tp, fp, fn)


def _activity(events: Sequence[Event], step: int, n: int) -> list[set[str]]:
    active: list[set[str]] = [set() for _ in range(n)]
    for ev in events:
        first = ev.span.start_ms // step
        last = (ev.span.end_ms - 1) // step  # half-open: an event ending on a boundary stays left of it
        for k in range(first, min(last, n - 1) + 1):
            active[k].add(ev.label)
    return active


def event_based(reference: Sequence[Event], estimate: Sequence[Event], t_collar_s: float = 0.2,
                percentage_of_length: float = 0.5) -> EventScores:
    """Event-based counts with onset and offset collars (Mesaros et al. 2016, section 3.2)."""
    collar = t_collar_s * 1000
    tp = 0
    for label in {e.label for e in reference} | {e.label for e in estimate}:
        refs = [e for e in reference if e.label == label]
        ests = [e for e in estimate if e.label == label]
        edges = [[j for j, est in enumerate(ests) if _matches(ref, est, collar, percentage_of_length)]
                 for ref in refs]
        tp += _max_matching(edges, len(ests))
    return EventScores(tp, len(estimate) - tp, len(reference) - tp)


def _matches(ref: Event, est: Event, collar_ms: float, percentage: float) -> bool:
    onset_ok = abs(est.span.start_ms - ref.span.start_ms) <= collar_ms
    offset_tol = max(collar_ms, percentage * ref.span.duration_ms)
    return onset_ok and abs(est.span.end_ms - ref.span.end_ms) <= offset_tol


def _max_matching(edges: list[list[int]], n_right: int) -> int:
    """Size of a maximum bipartite matching (augmenting paths; event counts are small)."""
    owner = [-1] * n_right

    def augment(i: int, seen: list[bool]) -> bool:
        for j in edges[i]:
            if not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, [False] * n_right) for i in range(len(edges)))
