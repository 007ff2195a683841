"""BioC, as XML or JSON: the format of PubTator and of the PMC text-mining services.

A BioC collection holds documents; a document holds an ``id``, ``infons``
(key/value pairs) and passages; a passage holds infons (its ``type``: title,
abstract, paragraph, ...), an offset and its text (or sentences).  XML and JSON
carry the same model, so both are first turned into plain dicts and then read
by one function, :func:`bioc_document`.  Each BioC document becomes one
:class:`~kg.records.Document`:

- ``text``: the passages' texts in order, separated by blank lines.  Left out
  are passages of the reference list, tables, and the back matter of PMC
  articles (competing interests, author contributions, funding,
  abbreviations, supplementary material): see :data:`LEFT_OUT_TYPES` and
  :data:`LEFT_OUT_SECTIONS`.  BioC's own offsets are not kept; evidence
  offsets point into this text.
- ``title``: the first passage whose type is ``title`` or ``front`` or whose
  ``section_type`` is ``TITLE``.
- ``meta`` from the infons of the document and its passages (the first value
  found wins): ``pmid`` (``article-id_pmid``; PubTator documents without it
  use their numeric ``id``), ``pmcid`` (``article-id_pmc``), ``doi``
  (``article-id_doi``), ``journal`` (``journal``, cut at the first ``;``
  because PubTator puts the whole citation there; else the ``source`` infon
  of a PMC front passage) and ``year``.
- ``source``: ``<file>#PMID:<pmid>``, else ``<file>#<pmcid>``, else
  ``<file>#id:<id>``.

JSON may be a collection (``{"documents": [...]}``), a list of collections
(the PMC BioC service), PubTator 3's ``{"PubTator3": [...]}``, a single
document, or a list of documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..records import Document, Skipped, content_id
from . import SourceProblem, XmlRecord, year_of

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = [
    "FORMAT_JSON",
    "FORMAT_XML",
    "LEFT_OUT_SECTIONS",
    "LEFT_OUT_TYPES",
    "ROOT",
    "bioc_document",
    "read_bioc_json",
    "read_bioc_records",
]

ROOT = "collection"
FORMAT_XML = "BioC XML"
FORMAT_JSON = "BioC JSON"

#: Passage ``type`` infons (lower case) whose text is not read.
LEFT_OUT_TYPES = frozenset({"ref", "table", "table_foot", "table_footnote"})
#: Passage ``section_type`` infons (PMC, upper case) whose text is not read.
LEFT_OUT_SECTIONS = frozenset({"REF", "TABLE", "COMP_INT", "AUTH_CONT", "ACK_FUND", "ABBR", "SUPPL", "REVIEW_INFO"})

_TITLE_TYPES = frozenset({"title", "front"})
_COLLECTION_PARTS = frozenset({"source", "date", "key", "infon"})


# ---------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------


def read_bioc_records(records: Iterable[XmlRecord], source: str) -> Iterator[Document | Skipped]:
    """One Document (or Skipped) per ``<document>`` of a BioC ``<collection>``."""
    number = 0
    for record in records:
        tag = record.element.tag
        if tag in _COLLECTION_PARTS:  # the collection's own description
            continue
        if tag != "document":
            yield Skipped(
                f"{source}#record {record.index}",
                f"line {record.line}: <{tag}> is not part of a BioC collection; expected <document>",
            )
            continue
        number += 1
        yield bioc_document(_xml_document(record.element), source, number, f"line {record.line}", FORMAT_XML)


def _xml_document(element: Element) -> dict[str, Any]:
    return {
        "id": (element.findtext("id") or "").strip(),
        "infons": _xml_infons(element),
        "passages": [
            {
                "infons": _xml_infons(passage),
                "text": passage.findtext("text"),
                "sentences": [{"text": s.findtext("text")} for s in passage.findall("sentence")],
            }
            for passage in element.findall("passage")
        ],
    }


def _xml_infons(element: Element) -> dict[str, str]:
    infons: dict[str, str] = {}
    for infon in element.findall("infon"):
        key = infon.get("key")
        if key and key not in infons:
            infons[key] = (infon.text or "").strip()
    return infons


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def read_bioc_json(data: Any, source: str) -> Iterator[Document | Skipped]:
    """One Document (or Skipped) per BioC document in parsed JSON ``data``.

    Raises :class:`~kg.sources.SourceProblem` when ``data`` is not BioC at all.
    """
    documents = list(_json_documents(data))
    for number, (path, document) in enumerate(documents, start=1):
        if not isinstance(document, Mapping):
            yield Skipped(f"{source}#document {number}", f"{path}: expected a BioC document (an object), got {_kind(document)}")
            continue
        yield bioc_document(document, source, number, path, FORMAT_JSON)


def _json_documents(data: Any) -> Iterator[tuple[str, Any]]:
    def collection(value: Mapping[str, Any], at: str) -> Iterator[tuple[str, Any]]:
        docs = value["documents"]
        if not isinstance(docs, list):
            raise SourceProblem(f"{at}documents: expected a list of BioC documents, got {_kind(docs)}")
        for i, doc in enumerate(docs):
            yield f"{at}documents[{i}]", doc

    if isinstance(data, Mapping):
        if "documents" in data:
            yield from collection(data, "")
            return
        if isinstance(data.get("PubTator3"), list):
            for i, doc in enumerate(data["PubTator3"]):
                yield f"PubTator3[{i}]", doc
            return
        if "passages" in data:
            yield "document", data
            return
    elif isinstance(data, list) and data and all(isinstance(item, Mapping) for item in data):
        if all("documents" in item for item in data):
            for i, item in enumerate(data):
                yield from collection(item, f"[{i}].")
            return
        if all("passages" in item for item in data):
            for i, item in enumerate(data):
                yield f"[{i}]", item
            return
    raise SourceProblem(
        "JSON that is not BioC: expected a collection {\"documents\": [...]}, a list of collections, "
        "{\"PubTator3\": [...]}, or documents with \"passages\""
    )


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


# ---------------------------------------------------------------------------
# One document, from either
# ---------------------------------------------------------------------------


def bioc_document(document: Mapping[str, Any], source: str, number: int, where: str, fmt: str) -> Document | Skipped:
    """The Document of one BioC document (as dicts), or why it cannot be used.

    ``number`` is its position in the file (for reports when it has no id),
    ``where`` how to point at it (``line 12`` or ``documents[3]``).
    """
    doc_id = document.get("id")
    doc_id = str(doc_id).strip() if isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) else ""
    fallback = f"{source}#id:{doc_id}" if doc_id else f"{source}#document {number}"
    try:
        infons = _infons(document.get("infons"), f"{where}.infons")
        passages = document.get("passages")
        if not isinstance(passages, list):
            raise SourceProblem(f"{where}.passages: expected a list of passages, got {_kind(passages)}")
        parts: list[tuple[dict[str, str], str]] = []
        for i, passage in enumerate(passages):
            at = f"{where}.passages[{i}]"
            if not isinstance(passage, Mapping):
                raise SourceProblem(f"{at}: expected a passage (an object), got {_kind(passage)}")
            parts.append((_infons(passage.get("infons"), f"{at}.infons"), _passage_text(passage, at)))
    except SourceProblem as problem:
        return Skipped(fallback, problem.reason)

    meta = _meta(doc_id, infons, [p for p, _ in parts])
    name = (
        f"{source}#PMID:{meta['pmid']}"
        if "pmid" in meta
        else f"{source}#{meta['pmcid']}"
        if "pmcid" in meta
        else fallback
    )
    kept = [(p, text) for p, text in parts if text and not _left_out(p)]
    if not kept:
        return Skipped(name, f"{where}: the document has no passage with text to read")
    title = next((text for p, text in kept if _is_title(p)), None)
    text = "\n\n".join(t for _, t in kept)
    pairs = [("format", fmt), *((key, meta[key]) for key in ("pmid", "pmcid", "doi", "journal", "year") if key in meta)]
    return Document(doc_id=content_id(text), source=name, text=text, title=title, meta=tuple(pairs))


def _infons(value: Any, at: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SourceProblem(f"{at}: expected an object of key/value pairs, got {_kind(value)}")
    return {str(k): str(v).strip() for k, v in value.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}


def _passage_text(passage: Mapping[str, Any], at: str) -> str:
    text = passage.get("text")
    if text is None or text == "":
        sentences = passage.get("sentences") or []
        if not isinstance(sentences, list):
            raise SourceProblem(f"{at}.sentences: expected a list, got {_kind(sentences)}")
        pieces = []
        for j, sentence in enumerate(sentences):
            value = sentence.get("text") if isinstance(sentence, Mapping) else None
            if value is not None and not isinstance(value, str):
                raise SourceProblem(f"{at}.sentences[{j}].text: expected a string, got {_kind(value)}")
            if value and value.strip():
                pieces.append(value.strip())
        return " ".join(pieces)
    if not isinstance(text, str):
        raise SourceProblem(f"{at}.text: expected a string, got {_kind(text)}")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _left_out(infons: Mapping[str, str]) -> bool:
    return infons.get("type", "").lower() in LEFT_OUT_TYPES or infons.get("section_type", "").upper() in LEFT_OUT_SECTIONS


def _is_title(infons: Mapping[str, str]) -> bool:
    return infons.get("type", "").lower() in _TITLE_TYPES or infons.get("section_type", "").upper() == "TITLE"


def _meta(doc_id: str, infons: Mapping[str, str], passages: list[dict[str, str]]) -> dict[str, str]:
    everything = [infons, *passages]

    def first(*keys: str) -> str | None:
        for found in everything:
            for key in keys:
                if found.get(key):
                    return found[key]
        return None

    meta: dict[str, str] = {}
    pmid = first("article-id_pmid", "pmid")
    pmcid = first("article-id_pmc", "pmcid")
    if not pmid and not pmcid and doc_id.isdigit():
        pmid = doc_id  # PubTator: the document id is the PMID
    if pmid and pmid.isdigit():
        meta["pmid"] = pmid
    if pmcid:
        digits = pmcid.upper().removeprefix("PMC")
        if digits.isdigit():
            meta["pmcid"] = f"PMC{digits}"
    doi = first("article-id_doi", "doi")
    if doi:
        meta["doi"] = doi
    journal = first("journal")
    if journal:
        journal = journal.split(";")[0].strip().rstrip(".").strip()
    else:
        front = next((p for p in passages if p.get("type", "").lower() == "front"), {})
        journal = front.get("source")
    if journal:
        meta["journal"] = journal
    year = year_of(first("year"))
    if year:
        meta["year"] = year
    return meta
