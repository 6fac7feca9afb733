"""Robust matching of contacts against alerted personas and indicators."""
