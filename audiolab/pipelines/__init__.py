"""Model adapters for pre-labeling: one module per heavy dependency, imported lazily.

* :mod:`~audiolab.pipelines.whisper` — faster-whisper drafts (the only faster_whisper import);
* :mod:`~audiolab.pipelines.diarize` — pyannote.audio speaker turns (the only pyannote.audio import);
* :mod:`~audiolab.pipelines.campplus` — the CAM++ speaker embedding network of the offline diarizer;
* :mod:`~audiolab.pipelines.models` — where weights come from (offline by default);
* :mod:`~audiolab.pipelines.assign` — pure word-to-speaker attribution;
* :mod:`~audiolab.pipelines.types` — the values they return.

Importing this package loads no model library.
"""
