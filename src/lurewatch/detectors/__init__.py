"""Detectors: one module per family of signals, found through the registry."""
