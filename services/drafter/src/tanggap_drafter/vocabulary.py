"""How each category is named in a draft, and the words that steer retrieval towards it."""

from dataclasses import dataclass

from tanggap_shared.contracts import Category

# Words never capitalised inside an Indonesian headline.
_MINOR_WORDS = frozenset({"dan", "di", "ke", "dari", "yang", "atau", "oleh", "dengan", "untuk", "terkait"})


@dataclass(frozen=True)
class CategoryWording:
    """`label` is a noun phrase that reads after "mengenai"; wrongdoing is always phrased as "dugaan"."""

    label: str
    query_terms: str

    @property
    def title(self) -> str:
        return headline_case(self.label)


WORDING: dict[Category, CategoryWording] = {
    Category.ESCAPE: CategoryWording("peristiwa pelarian", "pelarian kabur melarikan diri pengejaran"),
    Category.UNREST: CategoryWording(
        "gangguan keamanan dan ketertiban", "kerusuhan ricuh gangguan keamanan ketertiban kamtib"
    ),
    Category.DRUGS: CategoryWording("dugaan peredaran narkoba", "narkoba narkotika peredaran halinar"),
    Category.CONTRABAND: CategoryWording(
        "dugaan barang terlarang", "handphone ilegal barang terlarang penggeledahan halinar"
    ),
    Category.EXTORTION: CategoryWording("dugaan pungutan liar", "pungutan liar pungli pemerasan biaya"),
    Category.VIOLENCE: CategoryWording("dugaan kekerasan", "kekerasan penganiayaan korban hak asasi"),
    Category.DEATH: CategoryWording("peristiwa meninggal dunia", "meninggal dunia duka keluarga jenazah"),
    Category.DISASTER: CategoryWording("kebakaran atau bencana", "kebakaran bencana evakuasi keselamatan"),
    Category.OVERCAPACITY: CategoryWording(
        "kondisi kelebihan kapasitas hunian", "kelebihan kapasitas hunian daya tampung"
    ),
    Category.VIRAL: CategoryWording(
        "informasi yang beredar di media sosial", "viral beredar video klarifikasi verifikasi"
    ),
    Category.MISCONDUCT: CategoryWording(
        "dugaan pelanggaran oleh oknum petugas", "oknum petugas pelanggaran integritas pemeriksaan"
    ),
    Category.TERRORISM: CategoryWording(
        "kejadian terkait Warga Binaan kasus terorisme", "terorisme deradikalisasi pengamanan keamanan"
    ),
    Category.RIGHTS: CategoryWording(
        "pengaduan terkait layanan dan hak Warga Binaan", "hak layanan pengaduan remisi kunjungan"
    ),
    Category.ROUTINE: CategoryWording("kegiatan Pemasyarakatan", "pembinaan layanan kegiatan"),
}


def headline_case(text: str) -> str:
    """Capitalise every word but the minor ones, leaving acronyms alone."""
    words = text.split()
    return " ".join(
        w if (i > 0 and w in _MINOR_WORDS) or w.isupper() else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )
