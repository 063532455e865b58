"""Benchmark helpers for `python -m bot bench`: synthetic corpora and per-size measurements."""
