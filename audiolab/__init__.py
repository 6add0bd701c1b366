"""audiolab: an audio transcription and diarization workbench.

Media in -> pre-label (faster-whisper, pyannote.audio) -> store -> correct in the browser
(every edit stored with its history) -> QA -> export with video-synchronized timecode.
"""

__version__ = "0.1.0"
