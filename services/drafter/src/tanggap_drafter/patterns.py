"""Patterns the context builder and the checks share (DOMAIN.md §6.8)."""

import re

# Words that hedge a statement: what follows is reported, not established.
HEDGE = re.compile(
    r"\b(diduga|terduga|dugaan|disebut|disebutkan|kabarnya|informasi awal|belum terverifikasi|"
    r"masih kami (?:verifikasi|dalami|pastikan)|belum dapat kami pastikan|sedang kami verifikasi|"
    r"menurut laporan|laporan awal)\b",
    re.IGNORECASE,
)

# Operational security detail (candidates for information exempt under UU KIP): guard counts, patrol
# schedules, blind spots, and how an escape was done.
SECURITY = re.compile(
    r"(?:\b(?:\d+|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|beberapa)\s+"
    r"(?:orang\s+)?(?:petugas|penjaga|sipir|regu)\s+(?:jaga|berjaga|piket|yang\s+berjaga|yang\s+bertugas)\b"
    r"|\bjadwal\s+(?:patroli|jaga|piket|apel|kontrol|pergantian)\b"
    r"|\bpergantian\s+(?:jaga|regu|shift|piket)\b"
    r"|\btitik\s+buta\b|\bblind\s*spot\b|\btidak\s+terjangkau\s+cctv\b|\bcctv\s+(?:mati|rusak|tidak\s+berfungsi)\b"
    r"|\b(?:memotong|menggergaji|dipotong|digergaji|potong|gergaji|menjebol|jebol|membobol)\s+(?:teralis|jeruji|tembok|dinding|plafon|atap)\b"
    r"|\b(?:lewat|melalui|menyusuri)\s+(?:gorong-gorong|saluran\s+air|selokan|terowongan|plafon)\b"
    r"|\b(?:memanjat|panjat)\s+(?:tembok|pagar|dinding)\b|\blompat\s+pagar\b"
    r"|\b(?:kunci|anak\s+kunci)\s+(?:palsu|duplikat|cadangan)\b"
    r"|\b(?:menggunakan|memakai|dengan)\s+(?:sarung|tali|kain|seprai)\s+(?:yang\s+)?(?:diikat|disambung)\b)",
    re.IGNORECASE,
)

# Verdict words: nobody is any of these before a court says so (KEJ Pasal 3, KUHAP Pasal 91).
VERDICT = re.compile(r"\b(pelaku|bersalah|terbukti)\b", re.IGNORECASE)
