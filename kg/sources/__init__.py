"""Input files that hold many documents: PubMed/MEDLINE XML and BioC XML or JSON.

:func:`read_structured` is what :mod:`kg.corpus` calls for a file whose name
ends in one of :data:`STRUCTURED_SUFFIXES`.  It looks inside the file to see
what it is (the root element of XML, the keys of JSON), hands it to the reader
of that format (:mod:`kg.sources.pubmed`, :mod:`kg.sources.bioc`) and yields
one :class:`~kg.records.Document` per article, or a
:class:`~kg.records.Skipped` with the reason for every article or file that
cannot be used.  Nothing here raises for bad data: a broken record is reported
and the records after it are still read.

XML is parsed with :mod:`defusedxml`: a DTD may be named (PubMed files name
theirs) but any entity declaration is refused, so a file can neither read
local files through an external entity nor blow up through nested entities.
Large files (the annual MEDLINE baseline, gzipped) are parsed as a stream,
one record at a time.

This module imports only the standard library; the parsers are imported when
a file is read.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ..records import Document, Skipped

__all__ = [
    "STRUCTURED_SUFFIXES",
    "SourceProblem",
    "XmlRecord",
    "is_structured",
    "iter_xml",
    "read_structured",
    "structured_suffix",
]

#: File name endings (case-insensitive) that are looked inside and routed to a
#: reader.  ``.bioc.xml`` and ``.bioc.json`` end in ``.xml`` and ``.json``.
STRUCTURED_SUFFIXES: tuple[str, ...] = (".xml.gz", ".xml", ".json")

#: Bytes fed to the XML parser at a time; bounds the memory a stream needs.
CHUNK = 1 << 16

_GZIP_MAGIC = b"\x1f\x8b"


class SourceProblem(Exception):
    """A file cannot be read further; ``reason`` says why (with the line when known)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class XmlRecord:
    """A child of the root element, fully parsed, with where it started."""

    element: Element
    line: int  # 1-based line of its start tag
    index: int  # 1-based position among the root's children


def structured_suffix(name: str) -> str | None:
    """The ending of :data:`STRUCTURED_SUFFIXES` that ``name`` has, or None."""
    lower = name.lower()
    for suffix in STRUCTURED_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return suffix
    return None


def is_structured(name: str) -> bool:
    """True when a file of this name is read by :func:`read_structured`."""
    return structured_suffix(name) is not None


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


def read_structured(path: Path, source: str) -> Iterator[Document | Skipped]:
    """Yield the documents of one PubMed/BioC file, and a Skipped for each problem.

    ``source`` is the name the file is reported under; each document's source
    is ``source#PMID:<pmid>`` (or another identifier of the article).
    """
    from ..records import Document, Skipped

    read = 0
    try:
        for record in _dispatch(path, source):
            if isinstance(record, Document):
                read += 1
            yield record
    except SourceProblem as problem:
        after = f"; the {read} document{'s' if read != 1 else ''} before it were read" if read else ""
        yield Skipped(source, problem.reason + after)
    except OSError as exc:
        yield Skipped(source, f"cannot read: {exc.strerror or exc}")


def _dispatch(path: Path, source: str) -> Iterator[Document | Skipped]:
    from ..records import Skipped

    if structured_suffix(path.name) == ".json":
        from .bioc import read_bioc_json

        yield from read_bioc_json(_read_json(path), source)
        return

    from . import bioc, pubmed

    readers: dict[str, Callable[[Iterator[XmlRecord], str], Iterator[Document | Skipped]]] = {
        pubmed.ROOT: pubmed.read_pubmed_records,
        bioc.ROOT: bioc.read_bioc_records,
    }
    with _open_maybe_gzipped(path) as stream:
        records = iter_xml(stream)
        root, line = next(records)  # type: ignore[misc]  # the first item is the root
        reader = readers.get(root)
        if reader is None:
            known = " and ".join(f"<{tag}> ({name})" for tag, name in ((pubmed.ROOT, "PubMed/MEDLINE"), (bioc.ROOT, "BioC")))
            yield Skipped(source, f"line {line}: unknown XML: the root element is <{root}>; kg reads XML whose root is {known}")
            return
        yield from reader(records, source)  # type: ignore[arg-type]


def _read_json(path: Path) -> Any:
    data = path.read_bytes()
    if data[:2] == _GZIP_MAGIC:
        raise SourceProblem("gzipped JSON is not read: unzip it first (kg reads gzipped XML only)")
    if not data.strip():
        raise SourceProblem("empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceProblem(f"not UTF-8: invalid byte at byte offset {exc.start} (line {line})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceProblem(f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise SourceProblem("not usable JSON: nested too deeply") from None


# ---------------------------------------------------------------------------
# Safe, streaming XML
# ---------------------------------------------------------------------------


class _GzipStream:
    """A gzip reader whose errors become :class:`SourceProblem`."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.inner = gzip.GzipFile(fileobj=raw, mode="rb")

    def read(self, size: int) -> bytes:
        try:
            return self.inner.read(size)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise SourceProblem(f"not a valid gzip file: {exc or 'it ends too early'}") from None

    def __enter__(self) -> _GzipStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()
        self.raw.close()


def _open_maybe_gzipped(path: Path) -> Any:
    raw = path.open("rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return _GzipStream(raw)
    raw.seek(0)
    return raw


class _RecordBuilder:
    """Parser target: builds elements and notes each child of the root as it ends."""

    def __init__(self) -> None:
        from xml.etree.ElementTree import TreeBuilder

        self.builder = TreeBuilder()
        self.position: Callable[[], int] = lambda: 0
        self.depth = 0
        self.root: tuple[str, int] | None = None
        self.root_element: Element | None = None
        self.start_line = 0
        self.count = 0
        self.done: list[XmlRecord] = []

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = self.builder.start(tag, attrs)
        self.depth += 1
        if self.depth == 1:
            self.root = (_local(tag), self.position())
            self.root_element = element
        elif self.depth == 2:
            self.start_line = self.position()
        return element

    def end(self, tag: str) -> Element:
        element = self.builder.end(tag)
        if self.depth == 2:
            self.count += 1
            self.done.append(XmlRecord(element, self.start_line, self.count))
        self.depth -= 1
        return element

    def data(self, text: str) -> None:
        if self.depth >= 2:  # text directly inside the root is layout
            self.builder.data(text)

    def close(self) -> Element:
        return self.builder.close()


def iter_xml(stream: IO[bytes] | Any) -> Iterator[tuple[str, int] | XmlRecord]:
    """Parse XML safely from a binary stream, one record at a time.

    Yields ``(root tag, line)`` first, then an :class:`XmlRecord` for each
    child of the root, as soon as it is complete.  Records already yielded are
    dropped from the tree, so memory use does not grow with the file.  Raises
    :class:`SourceProblem` for XML that is not well formed (with line and
    column) and for any entity declaration or external reference.
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    target = _RecordBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = parser.parser
    target.position = lambda: expat.CurrentLineNumber
    root_sent = False
    finished = False
    while not finished:
        chunk = stream.read(CHUNK)
        problem: SourceProblem | None = None
        try:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
                finished = True
        except DefusedXmlException as exc:
            problem = SourceProblem(f"line {expat.CurrentLineNumber}: {_unsafe_reason(exc)}")
        except ParseError as exc:
            line, column = exc.position
            message = str(exc).split(":")[0]
            problem = SourceProblem(f"line {line}, column {column + 1}: not well-formed XML: {message}")
        # Records completed before a problem in the same chunk are still passed on.
        if not root_sent and target.root is not None:
            root_sent = True
            yield target.root
        records, target.done = target.done, []
        for record in records:
            yield record
            if target.root_element is not None:
                target.root_element.remove(record.element)
        if problem is not None:
            raise problem
    if not root_sent:  # pragma: no cover - expat reports a document without elements itself
        raise SourceProblem("no XML element found")


def _unsafe_reason(exc: Exception) -> str:
    from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    if isinstance(exc, EntitiesForbidden):
        where = f" (SYSTEM {exc.sysid!r})" if getattr(exc, "sysid", None) else ""
        return (
            f"unsafe XML refused: it declares the entity {exc.name!r}{where}; "
            "kg never expands entity declarations (they can read local files or grow without bound)"
        )
    if isinstance(exc, ExternalReferenceForbidden):
        return f"unsafe XML refused: it refers to the external resource {exc.sysid!r}; kg never loads external resources"
    if isinstance(exc, DTDForbidden):  # pragma: no cover - DTD names are allowed
        return "unsafe XML refused: it holds a DTD"
    return f"unsafe XML refused: {exc}"  # pragma: no cover


_NS = re.compile(r"^\{[^}]*\}")


def _local(tag: str) -> str:
    return _NS.sub("", tag)


# ---------------------------------------------------------------------------
# Small helpers shared by the readers
# ---------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


def squash(text: str | None) -> str:
    """Runs of whitespace (including newlines from XML layout) to one space, ends stripped."""
    return _SPACE.sub(" ", text or "").strip()


def element_text(element: Element | None) -> str:
    """All text inside an element, inline markup (``<i>``, ``<sup>``) flattened."""
    if element is None:
        return ""
    return squash("".join(element.itertext()))


def year_of(text: str | None) -> str | None:
    """The first four-digit year in ``text`` ("1998 Dec-1999 Jan" -> "1998")."""
    match = _YEAR.search(text or "")
    return match.group(1) if match else None
