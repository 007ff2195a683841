"""PubMed/MEDLINE XML: what E-utilities ``efetch`` returns and the annual baseline holds.

A file's root is ``<PubmedArticleSet>``; each ``<PubmedArticle>`` child becomes
one :class:`~kg.records.Document`:

- ``text``: the article title, a blank line, then the abstract.  A structured
  abstract's sections (``<AbstractText Label="METHODS">``) become paragraphs
  of their own, each starting with its label (``METHODS: ...``), separated by
  blank lines.  Whitespace from the XML's layout is squashed and inline markup
  (``<i>``, ``<sup>``) is flattened, so evidence offsets point into exactly
  this text.  An article with a title and no abstract is kept (its text is the
  title); one with neither is skipped.
- ``title``: the article title (``<VernacularTitle>`` when the English one is empty).
- ``meta``: ``pmid``; ``journal`` (the ISO abbreviation, else the full title,
  else the MEDLINE abbreviation); ``year`` (of the issue's ``PubDate``, or the
  first year in a ``MedlineDate`` such as ``1998 Dec-1999 Jan``, else of the
  electronic ``ArticleDate``); ``doi`` and ``pmcid`` when the record lists them.
- ``source``: ``<file>#PMID:<pmid>``.

``<DeleteCitation>`` (in the daily update files) lists PMIDs that NCBI has
withdrawn; it is reported as a Skipped entry naming them, since documents read
from other files cannot be taken back.  ``<PubmedBookArticle>`` records (book
chapters) and anything else are reported and skipped too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..records import Document, Skipped, content_id
from . import XmlRecord, element_text, year_of

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["FORMAT", "ROOT", "article_document", "read_pubmed_records"]

ROOT = "PubmedArticleSet"
FORMAT = "PubMed XML"

#: Labels that say nothing and are left out of the text.
_EMPTY_LABELS = frozenset({"", "UNLABELLED", "UNASSIGNED"})


def read_pubmed_records(records: Iterable[XmlRecord], source: str) -> Iterator[Document | Skipped]:
    """One Document (or Skipped) per child of ``<PubmedArticleSet>``."""
    for record in records:
        tag = record.element.tag
        if tag == "PubmedArticle":
            yield article_document(record, source)
        elif tag == "DeleteCitation":
            yield _deletions(record, source)
        else:
            yield Skipped(
                f"{source}#record {record.index}",
                f"line {record.line}: <{tag}> records are not read; kg reads <PubmedArticle> "
                "(and reports <DeleteCitation>)",
            )


def article_document(record: XmlRecord, source: str) -> Document | Skipped:
    """The Document of one ``<PubmedArticle>``, or why it cannot be used."""
    article = record.element
    citation = article.find("MedlineCitation")
    pmid = (citation.findtext("PMID") or "").strip() if citation is not None else ""
    if citation is None or not pmid:
        return Skipped(
            f"{source}#record {record.index}",
            f"line {record.line}: <PubmedArticle> has no <MedlineCitation>/<PMID>; every article needs its PMID",
        )
    where = f"{source}#PMID:{pmid}"
    if not pmid.isdigit():
        return Skipped(where, f"line {record.line}: PMID {pmid!r} is not a number")
    body = citation.find("Article")
    if body is None:
        return Skipped(where, f"line {record.line}: <MedlineCitation> has no <Article>: no title and no abstract")

    title = element_text(body.find("ArticleTitle")) or element_text(body.find("VernacularTitle"))
    sections = [_section(part) for part in body.findall("Abstract/AbstractText")]
    sections = [s for s in sections if s]
    if not title and not sections:
        return Skipped(where, f"line {record.line}: the article has neither a title nor an abstract: no text to read")
    text = "\n\n".join([title, *sections] if title else sections)

    meta: list[tuple[str, str]] = [("format", FORMAT), ("pmid", pmid)]
    journal = _journal(body, citation)
    if journal:
        meta.append(("journal", journal))
    year = _year(body)
    if year:
        meta.append(("year", year))
    ids = _article_ids(article, body)
    for key in ("doi", "pmcid"):
        if ids.get(key):
            meta.append((key, ids[key]))
    return Document(doc_id=content_id(text), source=where, text=text, title=title or None, meta=tuple(meta))


def _section(part: Element) -> str:
    text = element_text(part)
    if not text:
        return ""
    label = (part.get("Label") or "").strip()
    if label.upper() in _EMPTY_LABELS:
        return text
    return f"{label}: {text}"


def _journal(body: Element, citation: Element) -> str | None:
    for path in ("Journal/ISOAbbreviation", "Journal/Title"):
        name = element_text(body.find(path))
        if name:
            return name
    return element_text(citation.find("MedlineJournalInfo/MedlineTA")) or None


def _year(body: Element) -> str | None:
    date = body.find("Journal/JournalIssue/PubDate")
    if date is not None:
        found = year_of(date.findtext("Year")) or year_of(date.findtext("MedlineDate"))
        if found:
            return found
    return year_of(body.findtext("ArticleDate/Year"))


def _article_ids(article: Element, body: Element) -> dict[str, str]:
    ids: dict[str, str] = {}
    for item in article.findall("PubmedData/ArticleIdList/ArticleId"):
        kind = (item.get("IdType") or "").lower()
        value = (item.text or "").strip()
        if kind == "doi" and value:
            ids.setdefault("doi", value)
        elif kind == "pmc" and value:
            ids.setdefault("pmcid", value if value.upper().startswith("PMC") else f"PMC{value}")
    if "doi" not in ids:
        for item in body.findall("ELocationID"):
            if (item.get("EIdType") or "").lower() == "doi" and (item.text or "").strip():
                ids["doi"] = item.text.strip()  # type: ignore[union-attr]
                break
    return ids


def _deletions(record: XmlRecord, source: str) -> Skipped:
    pmids = [(p.text or "").strip() for p in record.element.findall("PMID")]
    pmids = [p for p in pmids if p]
    shown = ", ".join(f"PMID:{p}" for p in pmids[:20]) + (f" and {len(pmids) - 20} more" if len(pmids) > 20 else "")
    count = f"{len(pmids)} citation{'s' if len(pmids) != 1 else ''}"
    return Skipped(
        f"{source}#DeleteCitation",
        f"line {record.line}: <DeleteCitation> withdraws {count} ({shown or 'none listed'}); "
        "kg does not remove them from documents read from other files: leave those files out and rebuild",
    )
