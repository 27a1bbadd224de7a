"""Recording a session without transcoding: the shared mix and the shown site's video,
as the bridge already sends them, muxed into one WebM/Matroska file with chapters and a
SHA-256 manifest (bridge.recording.recorder is the entry point)."""

from bridge.recording.chapters import Chapter, Mark, chapters
from bridge.recording.manifest import manifest_path, verify
from bridge.recording.recorder import Recorder, RecordingFailed, RecordingResult, RecordingSink

__all__ = [
    "Chapter",
    "Mark",
    "Recorder",
    "RecordingFailed",
    "RecordingResult",
    "RecordingSink",
    "chapters",
    "manifest_path",
    "verify",
]
