"""Declarative detection rules: schema, loader and engine."""
