"""The query page's form for bundled queries with parameters.

A bundled query declares its parameters in its header (``# param: ?cell
name of the cell type (default "mesenchymal stem cell")``, see
:mod:`kg.query`).  The page shows one input per parameter, filled with its
default, and asks :func:`fill_query` for the text to run.  Values are read
and written exactly as ``kg query NAME --param NAME=VALUE`` does: the command
line's own parser turns each value into a term (``<iri>`` or ``ent:Name`` an
IRI, anything else a string) and :func:`kg.store.substitute` writes the terms
into the query as escaped SPARQL, so a value can never change the query's
shape.  Nothing here knows HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import QueryError
from ..query import BundledQuery, QueryParameter

__all__ = ["MAX_VALUE_LENGTH", "ParameterError", "describe_parameter", "fill_query"]

#: Longest value a form field may hold (names of entities are far shorter).
MAX_VALUE_LENGTH = 500

_DEFAULT_IN_DESCRIPTION = re.compile(r"\(default\s+(?:\"((?:[^\"\\]|\\.)*)\"|([-+]?\d+(?:\.\d+)?))")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")  # xsd:decimal's form: no exponent


class ParameterError(QueryError):
    """A value the form cannot bind; ``parameter`` names the field (None: the request as a whole)."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class _Field:
    """What the form shows for one parameter."""

    name: str
    description: str
    default: str
    numeric: bool


def _field(param: QueryParameter, text: str) -> _Field:
    """The parameter's default, from its description or else the query's ``COALESCE(?name, default)``."""
    found = _DEFAULT_IN_DESCRIPTION.search(param.description)
    if found is None:
        found = re.search(
            rf"COALESCE\(\s*[?$]{re.escape(param.name)}\s*,\s*(?:\"((?:[^\"\\]|\\.)*)\"|([-+]?\d+(?:\.\d+)?))", text
        )
    if found is None:
        return _Field(param.name, param.description, "", False)
    quoted, number = found.group(1), found.group(2)
    if number is not None:
        return _Field(param.name, param.description, number, True)
    return _Field(param.name, param.description, quoted or "", False)


def describe_parameter(param: QueryParameter, text: str) -> dict[str, object]:
    """The JSON the page builds a field from: name, description, default, and whether it takes a number."""
    field = _field(param, text)
    return {"name": field.name, "description": field.description, "default": field.default, "numeric": field.numeric}


def _check(field: _Field, value: object) -> str | None:
    """The value as text, None to leave the parameter unbound (its default applies); raises on a bad value."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParameterError(f"{field.name}: the value must be text", field.name)
    if len(value) > MAX_VALUE_LENGTH:
        raise ParameterError(f"{field.name}: the value is longer than {MAX_VALUE_LENGTH} characters", field.name)
    if any(ord(c) < 32 and c != "\t" for c in value):
        raise ParameterError(f"{field.name}: the value may not hold line breaks or control characters", field.name)
    value = value.strip()
    if not value:
        return None
    if field.numeric and not _NUMBER.fullmatch(value):
        raise ParameterError(f"{field.name}: {value!r} is not a number (the default is {field.default})", field.name)
    return value


def fill_query(query: BundledQuery, values: Mapping[str, object]) -> str:
    """The text of ``query`` with ``values`` bound, as ``kg query --name ... --param`` would run it.

    Every key must be one of the query's parameters.  An empty value leaves
    its parameter unbound, so the query's default applies.  Raises
    :class:`ParameterError` for an unknown parameter or a value that cannot
    be bound (too long, a control character, text where a number is
    expected, an IRI with characters an IRI may not hold).
    """
    from ..query import parse_params
    from ..store import substitute

    fields = {p.name: _field(p, query.text) for p in query.parameters}
    for key in values:
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise ParameterError(f"the query {query.name!r} has no parameter {key!r} (its parameters: {known})")
    given = [(name, _check(fields[name], value)) for name, value in values.items()]
    pairs = [f"{name}={value}" for name, value in given if value is not None]
    if not pairs:
        return query.text
    bindings = parse_params(pairs)
    for name, term in bindings.items():
        try:
            substitute("", {name: term})  # refuses an IRI with characters an IRI may not hold
        except QueryError as exc:
            raise ParameterError(exc.message, name) from None
    return substitute(query.text, bindings)
