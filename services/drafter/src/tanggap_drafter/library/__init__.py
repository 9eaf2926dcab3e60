"""The library's data (starter.jsonl) and its command line: `python -m tanggap_drafter.library`."""
