"""Every error kg raises, in one place.

Misuse raises one of these; problems in the data (a bad document in a corpus,
an unknown label in a gold file) are collected into reports and the run goes
on.  Each message says what was expected, what arrived and, where it helps,
what is valid.
"""

from __future__ import annotations


class KgError(Exception):
    """Base class.  ``code`` is stable and can be searched for in the docs."""

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")
        self.message = message


class LocatedError(KgError):
    """An error about a place in a file: the message starts with ``file:line:``."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(where + message)
        self.file = file
        self.line = line


class OntologyError(LocatedError):
    """The ontology could not be read or is inconsistent."""

    code = "E100"


class SourceOntologyError(LocatedError):
    """A standard ontology file (OBO, OWL) to import from could not be read, or lacks what was asked for."""

    code = "E110"


class ShapeError(KgError):
    """A graph could not be validated (its shapes or the graph itself could not be read)."""

    code = "E510"


class CorpusError(KgError):
    """No usable input was given (an empty corpus, a path that does not exist)."""

    code = "E200"


class PipelineError(KgError):
    """The NLP pipeline could not be set up (for example, an unknown spaCy model)."""

    code = "E300"


class ClusterError(PipelineError):
    """The Dask cluster could not be reached, has no workers, or failed a batch of documents."""

    code = "E310"


class QueryError(KgError):
    """A SPARQL query could not be parsed or run."""

    code = "E400"

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line
        self.column = column


class GraphError(KgError):
    """A graph file could not be read."""

    code = "E500"


class GoldError(KgError):
    """A gold file for evaluation is malformed."""

    code = "E600"

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file is not None and line is not None else ""
        super().__init__(where + message)
        self.file = file
        self.line = line


class OutputError(KgError):
    """Outputs could not be written."""

    code = "E700"


class ExploreError(KgError):
    """A concept, relation type or export format that was asked for is not there (kg path, stats, export, view --focus)."""

    code = "E900"


class MissingDependencyError(KgError, ImportError):
    """An optional package that a feature needs is not installed (pandas for DataFrames)."""

    code = "E910"


class RemoteError(GraphError):
    """A remote SPARQL endpoint refused a request or could not be reached."""

    code = "E520"


class ServeError(KgError):
    """``kg serve`` could not start, or refused a request (``status`` is the HTTP status to answer with)."""

    code = "E800"

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
