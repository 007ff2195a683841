"""kg.corpus: which files become documents, which are skipped and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.corpus import corpus_files, read_corpus, title_of
from kg.errors import CorpusError
from kg.records import Document, Skipped, content_id

ARTICLE = "Stem cells and discs\n\nMesenchymal stem cells secrete growth factors.\n"

# (id, files written into a fresh folder, expected records in order)
# An expected Document is ("doc", source, title, text); a Skipped is ("skip", source, words in the reason).
CASES = [
    ("plain txt", {"a.txt": ARTICLE}, [("doc", "a.txt", "Stem cells and discs", ARTICLE)]),
    (
        "markdown title",
        {"paper.md": "\n# Discs and pain #\n\nBody text.\n"},
        [("doc", "paper.md", "Discs and pain", "\n# Discs and pain #\n\nBody text.\n")],
    ),
    (
        "nested folders, sorted by relative path",
        {"b.txt": "B text", "a/z.md": "Z text", "a/c.txt": "C text"},
        [("doc", "a/c.txt", "C text", "C text"), ("doc", "a/z.md", "Z text", "Z text"), ("doc", "b.txt", "B text", "B text")],
    ),
    ("crlf newlines", {"w.txt": b"Title\r\n\r\nOne.\r\nTwo.\r"}, [("doc", "w.txt", "Title", "Title\n\nOne.\nTwo.\n")]),
    ("utf-8 bom dropped", {"bom.txt": b"\xef\xbb\xbfTitle\nText"}, [("doc", "bom.txt", "Title", "Title\nText")]),
    ("non-ascii kept", {"u.txt": "Disc’s structure – café\n"}, [("doc", "u.txt", "Disc’s structure – café", "Disc’s structure – café\n")]),
    (
        "non-utf-8",
        {"latin1.txt": "Title\ncaf\u00e9 au lait\n".encode("latin-1")},
        [("skip", "latin1.txt", ["not UTF-8", "0xe9", "byte offset 9", "line 2"])],
    ),
    ("empty", {"empty.txt": b""}, [("skip", "empty.txt", ["empty"])]),
    ("whitespace only", {"blank.md": " \n\t\r\n  "}, [("skip", "blank.md", ["empty", "whitespace"])]),
    ("binary with NUL", {"img.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, [("skip", "img.txt", ["binary", "NUL"])]),
    ("utf-16", {"u16.txt": "Title\n".encode("utf-16")}, [("skip", "u16.txt", ["binary", "UTF-16"])]),
    ("mostly control characters", {"ctl.txt": "\x01\x02\x03\x04 ab\x05\x06"}, [("skip", "ctl.txt", ["binary", "control"])]),
    (
        "duplicate text",
        {"a.txt": ARTICLE, "copy/a.txt": ARTICLE, "other.txt": "Other"},
        [("doc", "a.txt", "Stem cells and discs", ARTICLE), ("skip", "copy/a.txt", ["duplicate of a.txt"]), ("doc", "other.txt", "Other", "Other")],
    ),
    (
        "other files and hidden files ignored in folders",
        {"a.txt": "A", "notes.pdf": b"%PDF", "README": "x", ".hidden.txt": "H", ".git/x.md": "G", "README.md": "R", "sub/readme.txt": "r"},
        [("doc", "a.txt", "A", "A")],
    ),
    ("extension case-insensitive", {"A.TXT": "Upper"}, [("doc", "A.TXT", "Upper", "Upper")]),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_read_folder(make_corpus, files, expected):
    records = list(read_corpus([make_corpus(files)]))
    assert len(records) == len(expected), records
    for record, want in zip(records, expected):
        kind, source = want[0], want[1]
        assert record.source == source
        if kind == "doc":
            assert isinstance(record, Document), record
            assert record.title == want[2]
            assert record.text == want[3]
            assert record.doc_id == content_id(want[3])
        else:
            assert isinstance(record, Skipped), record
            for word in want[2]:
                assert word in record.reason, record.reason


def test_bad_files_do_not_stop_the_rest(make_corpus):
    root = make_corpus({"1.txt": b"\xff\xfe\xfa", "2.txt": "", "3.txt": "Fine text."})
    records = list(read_corpus([root]))
    assert [type(r).__name__ for r in records] == ["Skipped", "Skipped", "Document"]


def test_file_given_directly_uses_its_name(make_corpus):
    root = make_corpus({"deep/er/paper.md": "# Paper\ntext"})
    [doc] = read_corpus([root / "deep" / "er" / "paper.md"])
    assert doc.source == "paper.md"
    assert doc.title == "Paper"


def test_sources_relative_to_each_folder_given(make_corpus):
    one = make_corpus({"x/a.txt": "A"})
    two = make_corpus({"b.txt": "B"})
    assert [r.source for r in read_corpus([one, str(two)])] == ["x/a.txt", "b.txt"]


def test_same_file_given_twice_is_a_duplicate(make_corpus):
    root = make_corpus({"a.txt": "A"})
    records = list(read_corpus([root / "a.txt", root]))
    assert isinstance(records[0], Document)
    assert records[1] == Skipped("a.txt", "duplicate of a.txt")


def test_readme_given_directly_is_read(make_corpus):
    root = make_corpus({"README.md": "# About\ntext"})
    with pytest.raises(CorpusError):
        read_corpus([root])
    [doc] = read_corpus([root / "README.md"])
    assert doc.title == "About"


def test_unsupported_file_given_directly_is_skipped(make_corpus):
    root = make_corpus({"paper.pdf": b"%PDF-1.4"})
    [record] = read_corpus([root / "paper.pdf"])
    assert isinstance(record, Skipped)
    assert "unsupported file type '.pdf'" in record.reason
    assert ".md" in record.reason and ".txt" in record.reason


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_skipped(make_corpus):
    root = make_corpus({"a.txt": "A", "secret.txt": "S"})
    (root / "secret.txt").chmod(0)
    try:
        records = list(read_corpus([root]))
    finally:
        (root / "secret.txt").chmod(0o644)
    assert isinstance(records[0], Document)
    assert isinstance(records[1], Skipped)
    assert "cannot read" in records[1].reason


def test_unreadable_file_is_skipped_even_as_root(make_corpus, monkeypatch):
    root = make_corpus({"a.txt": "A", "secret.txt": "S"})
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    records = list(read_corpus([root]))
    assert records[1] == Skipped("secret.txt", "cannot read: Permission denied")


@pytest.mark.parametrize(
    ("paths", "words"),
    [
        (["does-not-exist"], ["no such file or folder", "does-not-exist"]),
        ([], ["no corpus given"]),
    ],
    ids=["missing path", "nothing given"],
)
def test_bad_paths_raise(tmp_path, monkeypatch, paths, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CorpusError) as info:
        read_corpus(paths)  # raised at once, before iteration
    for word in words:
        assert word in str(info.value)


def test_folder_without_texts_raises_naming_it(make_corpus):
    root = make_corpus({"notes.pdf": b"%PDF", "data.csv": "a,b"})
    with pytest.raises(CorpusError, match="holds no readable files") as info:
        read_corpus([root])
    assert str(root) in str(info.value)


def test_missing_path_among_good_ones_raises_before_reading(make_corpus, tmp_path):
    root = make_corpus({"a.txt": "A"})
    with pytest.raises(CorpusError, match="missing"):
        read_corpus([root, tmp_path / "missing"])


def test_read_corpus_is_lazy(make_corpus, monkeypatch):
    root = make_corpus({"a.txt": "A", "b.txt": "B", "c.txt": "C"})
    reads: list[str] = []
    real = Path.read_bytes

    def read_bytes(self):
        reads.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    records = read_corpus([root])
    assert reads == []
    next(records)
    assert reads == ["a.txt"]


def test_listing_is_stable(make_corpus):
    root = make_corpus({name: name for name in ("b.txt", "a.md", "c/d.txt", "c/a.txt", "B.txt")})
    sources = [f.source for f in corpus_files([root])]
    assert sources == sorted(sources)
    assert sources == [f.source for f in corpus_files([root])]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Plain title\nbody", "Plain title"),
        ("\n\n   Indented  \nbody", "Indented"),
        ("## Second-level heading ##\n", "Second-level heading"),
        ("#\n# Real\n", "Real"),
        ("# C#\n", "C#"),
        ("word " * 100, ("word " * 40).strip() + "…"),
    ],
)
def test_title(text, title):
    assert title_of(text) == title


def test_default_corpus_reads(default_corpus):
    [doc] = read_corpus([default_corpus])
    assert doc.source == "stem-cells-ddd.txt"
    assert doc.title == "Can Stem Cells Help Degenerative Disc Disease?"
    assert "\r" not in doc.text
