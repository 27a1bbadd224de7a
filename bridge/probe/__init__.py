"""Probes a connection test plays through a hall and finds again: signal processing only,
numpy and no I/O (the acoustic loop: ``chirp.py``)."""
