"""Read the input texts: the first stage of a build.

:func:`read_corpus` takes files and folders and yields one record per file, in
a stable order: a :class:`~kg.records.Document` when the file can be read, a
:class:`~kg.records.Skipped` (with the reason) when it cannot.  A bad file never
stops the run and is never dropped silently; only a path that does not exist,
or a folder without any file kg reads, is an error.

Besides text (``.txt``, ``.md``), files holding many articles are read:
PubMed/MEDLINE XML (``.xml``, gzipped ``.xml.gz``) and BioC XML or JSON
(``.xml``, ``.json``).  :mod:`kg.sources` looks inside each to tell which it is
and yields one record per article.

Files are read one at a time, so a corpus does not have to fit in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .records import Document, Skipped, content_id
from .sources import STRUCTURED_SUFFIXES, structured_suffix

#: File name endings read from folders, and the format each one is.
FORMATS: dict[str, str] = {".txt": "text/plain", ".md": "text/markdown"}

#: Every file name ending read from folders: text, then PubMed/BioC files.
READ_SUFFIXES: tuple[str, ...] = (*sorted(FORMATS), *STRUCTURED_SUFFIXES)

#: A text whose share of control characters (other than tab, newline, form
#: feed, vertical tab) exceeds this is treated as binary.
CONTROL_SHARE = 0.10
# Unicode's control characters (category Cc) other than tab, line feed, vertical tab and form feed.
_CONTROL = re.compile("[\x00-\x08\x0d-\x1f\x7f-\x9f]")

#: Titles longer than this are cut at a word boundary.
TITLE_MAX = 200

_ATX_CLOSE = re.compile(r"(^|\s+)#+\s*$")  # a Markdown heading's optional closing hashes


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """One file to read and the name it is reported under."""

    path: Path
    source: str  # relative to the folder given, or the file name


def corpus_files(paths: Sequence[Path | str]) -> list[CorpusFile]:
    """List the files ``paths`` stand for, in a stable order, without reading them.

    A file is taken as given; a folder is searched recursively for files whose
    names end in one of :data:`READ_SUFFIXES` (``.txt``, ``.md``, ``.xml``,
    ``.xml.gz``, ``.json``) and its files are sorted by their path relative to it.  Left
    out of folders: hidden files and folders (names starting with ``.``) and
    ``README.md``/``README.txt`` files, which describe a corpus rather than
    belong to it (give one explicitly to read it).

    Raises :class:`CorpusError` for a path that does not exist and for a folder
    that holds no such file.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise CorpusError("no corpus given: expected at least one file or folder of .txt/.md/.xml/.json files")
    found: list[CorpusFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = _folder_files(path)
            if not files:
                kinds = ", ".join(READ_SUFFIXES)
                raise CorpusError(f"folder {str(path)!r} holds no readable files: expected files ending in {kinds}")
            found.extend(files)
        elif path.exists():
            found.append(CorpusFile(path, path.name))
        else:
            raise CorpusError(f"no such file or folder: {str(path)!r}")
    return found


def _folder_files(root: Path) -> list[CorpusFile]:
    files: list[CorpusFile] = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        readable = path.suffix.lower() in FORMATS or structured_suffix(path.name) is not None
        if not readable or any(part.startswith(".") for part in rel.parts):
            continue
        if path.stem.lower() == "readme":
            continue
        if path.is_file():
            files.append(CorpusFile(path, rel.as_posix()))
    return sorted(files, key=lambda f: f.source)


def read_corpus(paths: Sequence[Path | str]) -> Iterator[Document | Skipped]:
    """Yield a Document or a Skipped for every file that ``paths`` stand for.

    The paths are checked at once (a missing path raises :class:`CorpusError`
    before anything is read); the files are then read lazily, one at a time.
    A text already seen under another name is skipped as a duplicate.
    """
    files = corpus_files(paths)
    return _read_all(files)


def _read_all(files: list[CorpusFile]) -> Iterator[Document | Skipped]:
    seen: dict[str, str] = {}  # content id -> source of the first copy
    for file in files:
        for record in read_records(file):
            if isinstance(record, Document):
                first = seen.get(record.doc_id)
                if first is not None:
                    yield Skipped(record.source, f"duplicate of {first}")
                    continue
                seen[record.doc_id] = record.source
            yield record


def read_records(file: CorpusFile) -> Iterator[Document | Skipped]:
    """The records of one file: one for a text file, one per article for PubMed/BioC files."""
    if structured_suffix(file.path.name) is not None:
        from .sources import read_structured

        yield from read_structured(file.path, file.source)
    else:
        yield read_file(file)


def read_file(file: CorpusFile) -> Document | Skipped:
    """Read one text file into a Document, or say why it cannot be used.

    PubMed and BioC files hold many documents: read them with :func:`read_records`.
    """
    source = file.source
    suffix = file.path.suffix.lower()
    if suffix not in FORMATS:
        kinds = ", ".join(READ_SUFFIXES)
        return Skipped(source, f"unsupported file type {suffix or '(no extension)'!r}: kg reads {kinds}")
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        return Skipped(source, f"cannot read: {exc.strerror or exc}")
    text_or_reason = decode(data)
    if isinstance(text_or_reason, _Reason):
        return Skipped(source, text_or_reason.text)
    text = text_or_reason
    return Document(
        doc_id=content_id(text),
        source=source,
        text=text,
        title=title_of(text),
        meta=(("format", FORMATS[suffix]),),
    )


@dataclass(frozen=True, slots=True)
class _Reason:
    text: str


def decode(data: bytes) -> str | _Reason:
    """UTF-8 bytes to text with ``\\n`` newlines, or the reason they are not usable text.

    A leading byte-order mark is dropped; ``\\r\\n`` and lone ``\\r`` become
    ``\\n``.  Nothing else is changed, so character offsets are into exactly
    the text the pipeline sees.
    """
    if not data:
        return _Reason("empty file")
    if b"\x00" in data:
        hint = " (UTF-16 text? save it as UTF-8)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        return _Reason(f"binary file: contains NUL bytes{hint}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        return _Reason(
            f"not UTF-8: invalid byte 0x{bad} at byte offset {exc.start} (line {line}); save the file as UTF-8"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return _Reason("empty file (only whitespace)")
    control = len(_CONTROL.findall(text))
    if control / len(text) > CONTROL_SHARE:
        return _Reason(f"binary file: {control} of {len(text)} characters are control characters")
    return text


def title_of(text: str) -> str | None:
    """The first non-empty line, without Markdown heading marks, cut to a sensible length."""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            line = _ATX_CLOSE.sub("", line.lstrip("#")).strip()
            if not line:
                continue
        if len(line) > TITLE_MAX:
            cut = line[:TITLE_MAX].rsplit(" ", 1)[0] or line[:TITLE_MAX]
            line = cut.rstrip() + "…"
        return line
    return None
