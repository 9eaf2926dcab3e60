"""An approved statement as a Word document (.docx) under the unit's letterhead (kop surat, DOMAIN.md §6.7
item 2.1): ministry, Ditjenpas, the Kanwil, the unit, and an address line to fill in."""

import io
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

ADDRESS_PLACEHOLDER = "[Alamat UPT] · Telp. [nomor telepon] · Surel: [alamat surel]"


@dataclass(frozen=True)
class Letterhead:
    ministry: str
    directorate: str
    region: str
    unit: str
    city: str = ""

    def lines(self) -> list[str]:
        """The kop, top to bottom; names come from settings and reference data, never hard-coded here."""
        region = self.region.upper()
        if region.startswith("KANWIL "):
            region = "KANTOR WILAYAH " + region.removeprefix("KANWIL ")
        return [line for line in (self.ministry, self.directorate, region, self.unit.upper()) if line]

    def address(self) -> str:
        return f"{ADDRESS_PLACEHOLDER} · {self.city}" if self.city else ADDRESS_PLACEHOLDER


def _rule_below(paragraph: Paragraph) -> None:
    """A double line under the kop, as on official letters (python-docx has no API for borders)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "double"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def statement_docx(head: Letterhead, text: str, *, approved_by: str | None = None) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    lines = head.lines()
    for i, line in enumerate(lines):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(line)
        run.bold = True
        run.font.size = Pt(14 if i == len(lines) - 1 else 12)
    address = document.add_paragraph()
    address.alignment = WD_ALIGN_PARAGRAPH.CENTER
    address.add_run(head.address()).font.size = Pt(9)
    _rule_below(address)
    for block in text.split("\n"):
        paragraph = document.add_paragraph(block.strip())
        paragraph.paragraph_format.space_after = Pt(6)
    # Who approved goes into the file's properties, not onto the page that is sent to the media.
    document.core_properties.title = lines[-1] if lines else "Tanggap"
    if approved_by:
        document.core_properties.comments = f"Disetujui melalui Tanggap oleh {approved_by}."
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
