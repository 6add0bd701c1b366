"""Quality assurance: agreement between annotators and scores against gold.

Pure functions over core types (:mod:`audiolab.core.model`); the scoring libraries (jiwer,
pyannote.metrics, scikit-learn, krippendorff) are imported lazily where they are used. The
use cases that read and write the database (users, assignments, adjudication, gold, the
review queue, dashboard numbers) live in :mod:`audiolab.services.review`.
"""

from audiolab.qa.agreement import align_annotations, align_segments, emotion_alpha, emotion_kappa
from audiolab.qa.compare import QaOptions, compare_versions, emotion_alpha_of
from audiolab.qa.normalize import NormalizeOptions, normalize_text

__all__ = [
    "NormalizeOptions", "QaOptions", "align_annotations", "align_segments", "compare_versions",
    "emotion_alpha", "emotion_alpha_of", "emotion_kappa", "normalize_text",
]
