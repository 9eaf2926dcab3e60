"""Contracts and plumbing shared by the Tanggap services: events, broker, settings, logging, db."""
