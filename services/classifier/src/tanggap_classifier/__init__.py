"""Tanggap classifier service."""
