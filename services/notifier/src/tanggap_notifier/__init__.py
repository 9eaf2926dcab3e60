"""Tanggap notifier service."""
