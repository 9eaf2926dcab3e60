"""Facts read from a report's free text, each with the exact span it came from (issue 12).

`read_report` is pure and rules-only: what happened, when, where, who by role, how many, casualties,
how (a method of escape or a weakness of the building is `sensitive`), the source and the reach. Every
fact quotes the text: `span.text == report.text[span.start:span.end]`, and nothing is read that the
text does not say. Facts are suggestions until a person decides them (`apply_decisions`); an LLM's
proposals are kept only where the text says them verbatim (`llm_read_facts`); `reading_of` puts the
three together for one report.
"""

from tanggap_classifier.reading.decisions import apply_decisions, merge_facts
from tanggap_classifier.reading.llm import llm_read_facts, reading_of
from tanggap_classifier.reading.read import MAX_FACTS, read_report, read_text
from tanggap_classifier.reading.vocabulary import ReadingVocabulary, load_vocabulary

__all__ = [
    "MAX_FACTS",
    "ReadingVocabulary",
    "apply_decisions",
    "llm_read_facts",
    "load_vocabulary",
    "merge_facts",
    "read_report",
    "read_text",
    "reading_of",
]
