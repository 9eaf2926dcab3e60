"""Tanggap intake service."""
