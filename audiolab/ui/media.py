"""Media the browser can play: the original file when Chromium decodes it, else a cached proxy.

The editor streams media through Gradio's file route, which answers HTTP Range requests, so an
``<audio>``/``<video>`` element seeks in an hour-long file without downloading it. Containers and
codecs browsers do not play (MPEG-PS with MP2, WMA, AMR, ...) are transcoded once with ffmpeg
into ``<cache>/proxies/<id>.m4a`` (AAC) or ``.mp4`` (H.264 + AAC, fast start) and reused.
Only the files of opened recordings are made reachable (per file, never their folders).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from audiolab.core.model import Recording
from audiolab.errors import MediaError

_AUDIO_OK = {"aac", "mp3", "opus", "vorbis", "flac"}
_VIDEO_OK = {"h264", "vp8", "vp9", "av1"}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class PlayableMedia:
    """A file the browser can play, and whether it is the original or a proxy.

    ``shift_ms`` is the media element's time at audiolab's media time 0 (the first audio sample).
    A browser's ``currentTime`` follows the file's timestamps (a stream that starts at 0.5 s
    plays from ``currentTime`` 0.5), while media time counts from the audio stream's start; an
    ffmpeg proxy keeps the streams' relative start but moves the earliest one to 0. Negative
    audio starts (encoder priming) are left at 0.
    """

    path: Path
    is_video: bool
    proxy: bool
    shift_ms: int = 0

    @property
    def url(self) -> str:
        return "/gradio_api/file=" + urllib.parse.quote(str(self.path))


def browser_playable(rec: Recording) -> bool:
    """Whether Chromium plays the original container and codecs."""
    container = rec.container.lower()
    acodec = (rec.audio_codec or "").lower()
    audio_ok = acodec in _AUDIO_OK or acodec.startswith("pcm_s16") or acodec.startswith("pcm_u8") \
        or acodec.startswith("pcm_f32") or acodec.startswith("pcm_s24") or acodec.startswith("pcm_s32")
    if rec.video is not None:
        vcodec = (rec.video.codec or "").lower()
        boxed = "mp4" in container or "mov" in container or "webm" in container or "matroska" in container
        return boxed and vcodec in _VIDEO_OK and (acodec in _AUDIO_OK or not acodec)
    if acodec.startswith("pcm_"):
        return "wav" in container and audio_ok
    return audio_ok and any(k in container for k in ("mp3", "ogg", "flac", "mp4", "mov", "webm", "matroska", "aac"))


def proxy_path(cache_dir: Path, rec: Recording) -> Path:
    return cache_dir / "proxies" / (rec.id + (".mp4" if rec.video is not None else ".m4a"))


def playable(rec: Recording, cache_dir: Path) -> PlayableMedia:
    """The file to stream for ``rec``, creating its proxy on first use.

    Raises:
        MediaError: the original is gone, or it needs a proxy and ffmpeg is missing or fails.
    """
    src = Path(rec.path)
    if not src.exists():
        raise MediaError(src, "the media file is no longer there")
    if browser_playable(rec):
        return PlayableMedia(src, rec.video is not None, False, max(0, rec.audio_start_ms))
    out = proxy_path(cache_dir, rec)
    with _LOCK:
        if not out.exists():
            _transcode(src, out, rec.video is not None)
    first = min(rec.audio_start_ms, rec.audio_start_ms + rec.video.start_offset_ms) if rec.video else rec.audio_start_ms
    return PlayableMedia(out, rec.video is not None, True, max(0, rec.audio_start_ms - first))


def _transcode(src: Path, out: Path, video: bool) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise MediaError(src, "the browser cannot play this format and ffmpeg is not installed to convert it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp" + out.suffix)
    args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src)]
    if video:
        args += ["-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "veryfast", "-crf", "22",
                 "-pix_fmt", "yuv420p"]
    else:
        args += ["-map", "0:a:0", "-vn"]
    args += ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(tmp)]
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise MediaError(src, f"could not make a browser-playable copy: {proc.stderr.strip()[-300:]}")
    tmp.replace(out)


def allow(path: Path) -> None:
    """Let Gradio's file route serve exactly this file."""
    import gradio as gr
    from gradio.data_classes import _StaticFiles

    resolved = path.resolve()
    if resolved not in _StaticFiles.all_paths:
        gr.set_static_paths([resolved])
