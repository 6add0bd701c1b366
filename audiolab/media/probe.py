"""Probe and decode media with PyAV (its wheels carry their own FFmpeg).

One decode pass yields the 16 kHz mono float32 signal models want and, through a callback, feeds
the waveform peaks; :class:`SignalReader` reads the same signal forward a window at a time (long
recordings are pre-labeled that way, never as one array). Probing reads stream metadata (codecs,
exact frame rate as a fraction, start times, timecode). Every failure becomes a
:class:`MediaError` that names the file and the reason.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from audiolab.core.model import SAMPLE_RATE as MODEL_RATE
from audiolab.errors import MediaError

MAX_BYTES_DEFAULT = 8 * 1024**3  # refuse files over 8 GiB unless told otherwise
_MIN_DURATION_MS = 1


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What probing found out about a file."""

    path: str
    size_bytes: int
    container: str
    duration_ms: int
    sample_rate: int
    channels: int
    audio_codec: str
    audio_start_ms: int
    fps: Fraction | None = None
    video_codec: str | None = None
    video_start_ms: int | None = None
    width: int | None = None
    height: int | None = None
    timecode: str | None = None
    video_end_ms: int | None = None

    @property
    def video_offset_ms(self) -> int:
        """Video stream start minus audio stream start, in ms (0 without video)."""
        return 0 if self.video_start_ms is None else self.video_start_ms - self.audio_start_ms


def check_file(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES_DEFAULT) -> Path:
    """Refuse what is not a readable, non-empty regular file of a sane size."""
    p = Path(path)
    if not p.exists():
        if p.is_symlink():
            raise MediaError(p, "a broken or looping symbolic link (it leads to no file)")
        raise MediaError(p, "no such file")
    if p.is_dir():
        raise MediaError(p, "is a directory, not a media file")
    if not p.is_file():
        raise MediaError(p, "is not a regular file")
    size = p.stat().st_size
    if size == 0:
        raise MediaError(p, "empty file (0 bytes)")
    if size > max_bytes:
        raise MediaError(p, f"file is {size / 1024**3:.1f} GiB, over the {max_bytes / 1024**3:.1f} GiB limit "
                            "(raise it with --max-size)")
    if not os.access(p, os.R_OK):
        raise MediaError(p, "permission denied (cannot read the file)")
    return p


def sha256_file(path: str | os.PathLike[str], chunk: int = 4 * 1024 * 1024) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(chunk):
                h.update(block)
    except OSError as exc:
        raise MediaError(path, f"cannot read ({exc.strerror or exc})") from exc
    return h.hexdigest()


def _open(path: Path):  # noqa: ANN202 - av.container.InputContainer
    import av

    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.PermissionError as exc:
        raise MediaError(path, "permission denied (cannot read the file)") from exc
    except av.error.InvalidDataError as exc:
        raise MediaError(path, "not a media file FFmpeg can read (invalid data; corrupt or not audio/video)") from exc
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"cannot open media ({exc.strerror or exc})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise MediaError(path, f"cannot open media ({exc})") from exc


def _ms(value: int | None, time_base: Fraction | None) -> int | None:
    if value is None or time_base is None:
        return None
    return int(round(float(value * time_base) * 1000))


def _timecode(container, vstream) -> str | None:  # noqa: ANN001
    for meta in (getattr(vstream, "metadata", {}) or {}, container.metadata or {}):
        tc = meta.get("timecode")
        if tc:
            return str(tc)
    for s in container.streams:
        tc = (s.metadata or {}).get("timecode")
        if tc:
            return str(tc)
    return None


def probe(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES_DEFAULT) -> MediaInfo:
    """Read stream metadata without decoding.

    The duration here is the container's claim; :func:`decode` measures the real one.
    """
    p = check_file(path, max_bytes)
    with _open(p) as container:
        audio = next((s for s in container.streams if s.type == "audio"), None)
        if audio is None:
            kinds = sorted({s.type for s in container.streams}) or ["none"]
            raise MediaError(p, f"no audio stream (streams: {', '.join(kinds)})")
        ctx = audio.codec_context
        if ctx is None or not audio.codec_context.name:
            raise MediaError(p, "unsupported audio codec (FFmpeg has no decoder for it)")
        rate = ctx.sample_rate or 0
        channels = ctx.channels if hasattr(ctx, "channels") else len(ctx.layout.channels)
        if rate <= 0 or channels <= 0:
            raise MediaError(p, "audio stream has no sample rate or channels (corrupt header)")
        a_start = _ms(audio.start_time, audio.time_base) or 0
        duration = _ms(audio.duration, audio.time_base)
        if duration is None and container.duration is not None:
            duration = int(round(container.duration / 1000))
        video = next((s for s in container.streams if s.type == "video" and not _is_cover_art(s)), None)
        fps = vcodec = None
        v_start = width = height = video_end = None
        if video is not None:
            rate_q = video.average_rate or video.guessed_rate or video.base_rate
            fps = Fraction(rate_q) if rate_q else None
            vcodec = video.codec_context.name if video.codec_context else None
            v_start = _ms(video.start_time, video.time_base)
            if v_start is None:
                v_start = a_start
            width, height = video.codec_context.width, video.codec_context.height
            if video.duration is not None:
                video_end = _ms((video.start_time or 0) + video.duration, video.time_base)
            elif container.duration is not None:
                video_end = int(round(container.duration / 1000))
        return MediaInfo(
            path=str(p), size_bytes=p.stat().st_size, container=container.format.name,
            duration_ms=duration or 0, sample_rate=rate, channels=channels, audio_codec=ctx.name,
            audio_start_ms=a_start, fps=fps, video_codec=vcodec, video_start_ms=v_start,
            width=width, height=height, timecode=_timecode(container, video) if video else None,
            video_end_ms=video_end,
        )


def _is_cover_art(stream) -> bool:  # noqa: ANN001
    disp = getattr(stream, "disposition", None)
    try:
        import av

        return bool(disp is not None and disp & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False


class _DecodeStats:
    """What one decode pass counted besides the samples (see :func:`iter_decode`)."""

    __slots__ = ("samples", "errors", "packet_total")

    def __init__(self) -> None:
        self.samples = 0
        self.errors = 0
        self.packet_total = Fraction(0)


def iter_decode(path: str | os.PathLike[str], stats: _DecodeStats | None = None) -> Iterator[np.ndarray]:
    """The first audio stream as 16 kHz mono float32, one decoded chunk at a time, in order.

    Chunks are what the resampler hands out (a few ms to a few hundred ms each); nothing else is
    kept, so memory does not depend on the file's length. Closing the generator closes the file.

    Raises:
        MediaError: no audio stream, or corrupt data (more than 50 undecodable packets, or a
            demuxing error), naming how far the decode got.
    """
    import av

    p = Path(path)
    st = stats if stats is not None else _DecodeStats()
    resampler = av.AudioResampler(format="flt", layout="mono", rate=MODEL_RATE)

    def ready(frames) -> Iterator[np.ndarray]:  # noqa: ANN001
        for rf in frames:
            arr = rf.to_ndarray().reshape(-1)
            if arr.size == 0:
                continue
            arr = np.ascontiguousarray(arr, dtype=np.float32)
            st.samples += arr.size
            yield arr

    with _open(p) as container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise MediaError(p, "no audio stream")
        stream.thread_type = "AUTO"
        try:
            for packet in container.demux(stream):
                if packet.duration:
                    st.packet_total += packet.duration * stream.time_base
                try:
                    for frame in packet.decode():
                        yield from ready(resampler.resample(frame))
                except av.error.InvalidDataError:
                    st.errors += 1
                    if st.errors > 50:
                        raise
            yield from ready(resampler.resample(None))
        except av.error.FFmpegError as exc:
            raise MediaError(p, f"corrupt audio data after {st.samples / MODEL_RATE:.2f} s ({exc.strerror or exc})") from exc


def decode(
    path: str | os.PathLike[str],
    on_chunk: Callable[[np.ndarray], None] | None = None,
    keep: bool = True,
    expected_ms: int | None = None,
) -> tuple[np.ndarray | None, int, int]:
    """Decode the first audio stream to 16 kHz mono float32.

    Args:
        path: the media file.
        on_chunk: called with each decoded chunk (for peaks), in order.
        keep: return the whole signal (False when only ``on_chunk`` is wanted: constant memory).
        expected_ms: the container's claimed duration; a decode that ends well short of it is
            reported as a truncated file.

    Returns:
        ``(signal or None, number of 16 kHz samples, summed packet durations in ms)``. The packet
        sum counts codec padding (an MP3's encoder delay) that decoding drops: it is the length
        other tools (ffprobe, editors) report.
    """
    p = Path(path)
    stats = _DecodeStats()
    chunks: list[np.ndarray] = []
    for arr in iter_decode(p, stats):
        if on_chunk is not None:
            on_chunk(arr)
        if keep:
            chunks.append(arr)
    total = stats.samples
    if total == 0:
        raise MediaError(p, "no audio could be decoded (corrupt or empty stream)")
    decoded_ms = int(round(total * 1000 / MODEL_RATE))
    if expected_ms and decoded_ms < expected_ms - max(500, expected_ms // 50):
        raise MediaError(p, f"truncated: decoded {decoded_ms / 1000:.2f} s of the {expected_ms / 1000:.2f} s its header declares")
    if stats.errors and decoded_ms < _MIN_DURATION_MS:
        raise MediaError(p, "corrupt audio data")
    signal = np.concatenate(chunks) if keep else None
    return signal, total, int(round(float(stats.packet_total) * 1000))


class SignalReader:
    """A file's 16 kHz mono signal read forward in pieces, holding only the piece asked for.

    Long recordings are pre-labeled window by window (see :mod:`audiolab.services.prelabel`): each
    model step opens its own reader and asks for the next window, so no step ever holds the whole
    signal (16 kHz float32 is 230 MB per hour). Decoding is the same pass as :func:`decode`, so the
    samples are exactly those of :func:`load_audio`; decoding runs at hundreds of times real time,
    which makes a second or third forward pass cheap next to the models.

    >>> import os, tempfile, soundfile as sf  # one second of silence, read in two pieces
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sf.write(os.path.join(d, "a.wav"), np.zeros(16000, dtype="float32"), 16000)
    ...     with SignalReader(os.path.join(d, "a.wav")) as r:
    ...         first, rest = r.read(10000), r.read(10000)
    >>> len(first), len(rest), r.position, r.largest_read
    (10000, 6000, 16000, 10000)

    Attributes:
        position: samples consumed so far (read or skipped): the next read starts there.
        largest_read: the longest piece one :meth:`read` returned (what a window step held).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = check_file(path)
        self._chunks = iter_decode(self.path)
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._eof = False
        self.position = 0
        self.largest_read = 0

    def _fill(self, n: int) -> None:
        while self._pending_n < n and not self._eof:
            try:
                arr = next(self._chunks)
            except StopIteration:
                self._eof = True
                break
            self._pending.append(arr)
            self._pending_n += arr.size

    def _take(self, n: int, keep: bool) -> np.ndarray | None:
        self._fill(n)
        n = min(n, self._pending_n)
        parts: list[np.ndarray] = []
        got = 0
        while got < n:
            arr = self._pending[0]
            need = n - got
            if arr.size <= need:
                self._pending.pop(0)
                part = arr
            else:
                part, self._pending[0] = arr[:need], arr[need:]
            if keep:
                parts.append(part)
            got += part.size
        self._pending_n -= n
        self.position += n
        if not keep:
            return None
        if not parts:
            return np.zeros(0, dtype=np.float32)
        out = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
        self.largest_read = max(self.largest_read, out.size)
        return out

    def read(self, n: int) -> np.ndarray:
        """The next ``n`` samples (fewer at the end of the file, none after it)."""
        return self._take(max(0, int(n)), keep=True)  # type: ignore[return-value]

    def skip(self, n: int) -> int:
        """Decode past the next ``n`` samples without keeping them; returns how many were skipped."""
        start = self.position
        target = start + max(0, int(n))
        while self.position < target:
            before = self.position
            self._take(min(MODEL_RATE * 10, target - before), keep=False)
            if self.position == before:
                break  # end of file
        return self.position - start

    def read_at(self, start: int, n: int) -> np.ndarray:
        """``n`` samples from sample ``start``, which must not lie before :attr:`position`."""
        if start < self.position:
            raise ValueError(f"cannot read back to sample {start}: the reader is at {self.position}")
        self.skip(start - self.position)
        return self.read(n)

    def at_end(self) -> bool:
        """True when no sample is left."""
        self._fill(1)
        return self._pending_n == 0

    def close(self) -> None:
        self._chunks.close()
        self._pending, self._pending_n = [], 0

    def __enter__(self) -> SignalReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_audio(path: str | os.PathLike[str]) -> np.ndarray:
    """The whole file as 16 kHz mono float32 (what the models take)."""
    check_file(path)
    signal, _, _ = decode(path)
    return signal if signal is not None else np.zeros(0, dtype=np.float32)
