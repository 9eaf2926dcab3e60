"""Tanggap drafter service."""
