"""Media: probing and decoding with PyAV, waveform peaks."""
