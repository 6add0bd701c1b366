"""Is the media file still the one that was ingested? Checked before pre-labeling, opening, exporting.

Annotations are times into one exact file: a file replaced, re-encoded or truncated after ingest
would get segments that no longer match its audio (or lie past its end). The check is cheap in
the common case: the size must match, and when the modification time is the one recorded at the
last verification the content is trusted; otherwise the SHA-256 is computed again and compared
(a file merely touched or copied back passes, and its new time is recorded).
"""

from __future__ import annotations

from pathlib import Path

from audiolab.core.model import Recording
from audiolab.errors import MediaError
from audiolab.media import probe
from audiolab.services import Workbench
from audiolab.storage import repository


def verify_media(wb: Workbench, rec: Recording) -> Path:
    """The recording's file, if it is the one ingested.

    Raises:
        MediaError: the file is missing, or its size or content changed since ingest.
    """
    p = Path(rec.path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaError(p, "the media file is missing (moved or deleted since ingest)") from None
    except OSError as exc:
        raise MediaError(p, f"cannot read the media file ({exc.strerror or exc})") from None
    if st.st_size != rec.size_bytes:
        raise MediaError(p, f"changed since ingest ({rec.size_bytes} bytes then, {st.st_size} now: replaced or "
                            "truncated); its annotations no longer match it. Restore the file, or ingest it anew")
    if repository.media_mtime_ns(wb.db, rec.id) == st.st_mtime_ns:
        return p
    if probe.sha256_file(p) != rec.sha256:
        raise MediaError(p, "changed since ingest (same size, different content: sha256 differs); its annotations "
                            "no longer match it. Restore the file, or ingest it anew")
    with wb.db.transaction():
        repository.set_media_mtime_ns(wb.db, rec.id, st.st_mtime_ns)
    return p
