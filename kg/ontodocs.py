"""HTML documentation of the ontology: every class and relation type on one page.

:func:`ontology_docs` turns an :class:`~kg.ontology.Ontology` (and, when
given, a built graph) into plain data: one :class:`ClassDoc` per concept and
one :class:`RelationDoc` per relation type, with labels, synonyms, the
hierarchy, standard identifiers linked to their resolvers, triggers, and how
many edges of the graph use each.  :func:`render_docs` renders that data with
a Jinja2 template (autoescaped, so names from ontology files cannot inject
HTML) into one self-contained page; ``kg ontology docs -o DIR`` writes it to
``DIR/index.html``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

from .namespaces import ENTITY, to_curie
from .ontology import Ontology, short_iri

__all__ = ["ClassDoc", "Docs", "Link", "RelationDoc", "edge_counts", "ontology_docs", "render_docs"]


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True, slots=True)
class ClassDoc:
    anchor: str
    iri: str
    name: str  # short IRI
    label: str
    synonyms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    hidden: tuple[str, ...]
    definition: str | None
    parents: tuple[Link, ...]
    children: tuple[Link, ...]
    standard_ids: tuple[Link, ...]
    category: str | None
    source: str | None
    entities: int  # entities of exactly this class in the graph
    edges: int  # edges of the graph whose subject or object is such an entity


@dataclass(frozen=True, slots=True)
class RelationDoc:
    anchor: str
    iri: str
    name: str
    label: str
    definition: str | None
    domain: tuple[Link, ...]
    range: tuple[Link, ...]
    triggers: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, phrases)
    alignments: tuple[Link, ...]
    inverse: Link | None
    polarity: int
    source: str | None
    edges: int  # direct triples with this predicate in the graph


@dataclass(frozen=True, slots=True)
class TreeNode:
    link: Link
    children: tuple[TreeNode, ...]


@dataclass(frozen=True)
class Docs:
    title: str
    files: tuple[str, ...]
    classes: tuple[ClassDoc, ...]
    relations: tuple[RelationDoc, ...]
    tree: tuple[TreeNode, ...]  # categories and their descendants
    graph_name: str | None  # the graph the edge counts come from


def shown_source(source: str | None) -> str | None:
    """``file:line`` for people: the built-in files as ``ontology/NAME``, others relative to the working directory.

    Keeps the page free of machine-specific absolute paths, so the same
    ontology gives the same page wherever kg is installed.
    """
    if not source:
        return source
    from .paths import default_ontology_dir

    path, sep, line = source.rpartition(":")
    if not sep or not line.isdigit():
        path, line = source, ""
    p = Path(path)
    try:
        shown = "ontology/" + str(p.resolve().relative_to(default_ontology_dir().resolve()))
    except (ValueError, FileNotFoundError):
        try:
            shown = str(p.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            shown = path
    return f"{shown}:{line}" if line else shown


def anchor(iri: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", short_iri(iri))


def resolver(iri: str) -> Link:
    """A standard identifier as its CURIE, linked to where it resolves (OBO PURLs, identifiers.org, Biolink)."""
    return Link(to_curie(iri) or iri, iri)


def edge_counts(graph: Graph, ontology: Ontology) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """(direct triples per relation type, entities per class, edges touching an entity per class)."""
    per_relation: Counter[str] = Counter()
    per_entity: Counter[str] = Counter()
    for s, p, o in graph:
        if str(p) in ontology.relations and str(s).startswith(str(ENTITY)):
            per_relation[str(p)] += 1
            per_entity[str(s)] += 1
            per_entity[str(o)] += 1
    entities: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    for e, cls in graph.subject_objects(RDF.type):
        if str(e).startswith(str(ENTITY)) and str(cls) in ontology.concepts:
            entities[str(cls)] += 1
            edges[str(cls)] += per_entity[str(e)]
    return per_relation, entities, edges


def ontology_docs(ontology: Ontology, graph: Graph | None = None, *, title: str = "kg ontology", graph_name: str | None = None) -> Docs:
    """The documentation as data (tested as data; :func:`render_docs` only renders it)."""
    per_relation, entities, edges = edge_counts(graph, ontology) if graph is not None else (Counter(), Counter(), Counter())

    def link(iri: str) -> Link:
        return Link(ontology.label(iri) if iri in ontology.concepts or iri in ontology.relations else short_iri(iri), "#" + anchor(iri))

    children: dict[str, list[str]] = {}
    for c in ontology.concepts.values():
        for p in c.parents:
            children.setdefault(p, []).append(c.iri)
    by_label = lambda iri: (ontology.label(iri).lower(), iri)  # noqa: E731
    classes = tuple(
        ClassDoc(
            anchor=anchor(c.iri),
            iri=c.iri,
            name=short_iri(c.iri),
            label=c.label,
            synonyms=c.synonyms,
            abbreviations=c.abbreviations,
            hidden=c.hidden,
            definition=c.definition,
            parents=tuple(link(p) for p in sorted(c.parents, key=by_label)),
            children=tuple(link(k) for k in sorted(children.get(c.iri, ()), key=by_label)),
            standard_ids=tuple(resolver(x) for x in c.xrefs),
            category=ontology.label(c.category) if c.category else None,
            source=shown_source(c.source),
            entities=entities[c.iri],
            edges=edges[c.iri],
        )
        for c in sorted(ontology.concepts.values(), key=lambda c: by_label(c.iri))
    )
    relations = tuple(
        RelationDoc(
            anchor=anchor(r.iri),
            iri=r.iri,
            name=short_iri(r.iri),
            label=r.label,
            definition=r.definition,
            domain=tuple(link(c) for c in r.domain),
            range=tuple(link(c) for c in r.range),
            triggers=tuple(
                (kind, phrases)
                for kind, phrases in (
                    ("trigger", r.triggers),
                    ("inverse trigger", r.inverse_triggers),
                    ("phrase trigger", r.phrase_triggers),
                    ("inverse phrase trigger", r.inverse_phrase_triggers),
                    ("topic trigger", r.topic_triggers),
                )
                if phrases
            ),
            alignments=tuple(resolver(a) for a in r.alignments),
            inverse=link(r.inverse_of) if r.inverse_of else None,
            polarity=r.polarity,
            source=shown_source(r.source),
            edges=per_relation[r.iri],
        )
        for r in sorted(ontology.relations.values(), key=lambda r: (r.label.lower(), r.iri))
    )

    def tree(iri: str, seen: frozenset[str]) -> TreeNode:
        kids = sorted((k for k in children.get(iri, ()) if k not in seen), key=by_label)
        return TreeNode(link(iri), tuple(tree(k, seen | {k}) for k in kids))

    roots = tuple(tree(c, frozenset((c,))) for c in sorted(ontology.categories, key=by_label))
    return Docs(title, tuple(shown_source(f) or f for f in ontology.files), classes, relations, roots, graph_name)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ docs.title }}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em; color: #222; }
h1, h2 { border-bottom: 1px solid #ddd; } h3 { margin-bottom: .2em; }
.cls, .rel { border-left: 3px solid #9ab; padding: .2em .8em; margin: 1em 0; }
.iri { color: #667; font-family: monospace; font-size: 90%; }
dt { font-weight: 600; float: left; clear: left; width: 11em; } dd { margin-left: 11.5em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2em .5em; vertical-align: top; }
ul.tree { list-style: none; padding-left: 1.2em; } .count { color: #667; font-size: 90%; }
</style></head><body>
<h1>{{ docs.title }}</h1>
<p>{{ docs.classes|length }} classes and {{ docs.relations|length }} relation types, from {{ docs.files|length }} files.
{% if docs.graph_name %}Edge counts are those of <code>{{ docs.graph_name }}</code>.{% endif %}</p>
<h2 id="relations">Relation types</h2>
<table><tr><th>relation type</th><th>domain</th><th>range</th><th>triggers</th>{% if docs.graph_name %}<th>edges</th>{% endif %}</tr>
{% for r in docs.relations %}<tr><td><a href="#{{ r.anchor }}">{{ r.label }}</a></td>
<td>{% for d in r.domain %}<a href="{{ d.href }}">{{ d.text }}</a>{% if not loop.last %}, {% endif %}{% else %}any{% endfor %}</td>
<td>{% for d in r.range %}<a href="{{ d.href }}">{{ d.text }}</a>{% if not loop.last %}, {% endif %}{% else %}any{% endfor %}</td>
<td>{% for kind, phrases in r.triggers %}{{ phrases|length }} {{ kind }}{{ "s" if phrases|length != 1 }}{% if not loop.last %}, {% endif %}{% endfor %}</td>
{% if docs.graph_name %}<td>{{ r.edges }}</td>{% endif %}</tr>
{% endfor %}</table>
{% for r in docs.relations %}<div class="rel" id="{{ r.anchor }}"><h3>{{ r.label }} <span class="iri">{{ r.name }}</span></h3>
<dl>{% if r.definition %}<dt>definition</dt><dd>{{ r.definition }}</dd>{% endif %}
<dt>domain</dt><dd>{% for d in r.domain %}<a href="{{ d.href }}">{{ d.text }}</a>{% if not loop.last %} or {% endif %}{% else %}any{% endfor %}</dd>
<dt>range</dt><dd>{% for d in r.range %}<a href="{{ d.href }}">{{ d.text }}</a>{% if not loop.last %} or {% endif %}{% else %}any{% endfor %}</dd>
{% for kind, phrases in r.triggers %}<dt>{{ kind }}s</dt><dd>{{ phrases|join(", ") }}</dd>{% endfor %}
{% if r.inverse %}<dt>inverse</dt><dd><a href="{{ r.inverse.href }}">{{ r.inverse.text }}</a></dd>{% endif %}
{% if r.polarity %}<dt>polarity</dt><dd>{{ r.polarity }}</dd>{% endif %}
{% if r.alignments %}<dt>aligned with</dt><dd>{% for a in r.alignments %}<a href="{{ a.href }}">{{ a.text }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</dd>{% endif %}
{% if docs.graph_name %}<dt>edges in the graph</dt><dd>{{ r.edges }}</dd>{% endif %}
{% if r.source %}<dt>declared in</dt><dd>{{ r.source }}</dd>{% endif %}</dl></div>
{% endfor %}
<h2 id="hierarchy">Class hierarchy</h2>
{% macro branch(nodes) %}<ul class="tree">{% for n in nodes %}<li><a href="{{ n.link.href }}">{{ n.link.text }}</a>{% if n.children %}{{ branch(n.children) }}{% endif %}</li>{% endfor %}</ul>{% endmacro %}
{{ branch(docs.tree) }}
<h2 id="classes">Classes</h2>
{% for c in docs.classes %}<div class="cls" id="{{ c.anchor }}"><h3>{{ c.label }} <span class="iri">{{ c.name }}</span></h3>
<dl>{% if c.definition %}<dt>definition</dt><dd>{{ c.definition }}</dd>{% endif %}
{% if c.synonyms %}<dt>synonyms</dt><dd>{{ c.synonyms|join(", ") }}</dd>{% endif %}
{% if c.abbreviations %}<dt>abbreviations</dt><dd>{{ c.abbreviations|join(", ") }}</dd>{% endif %}
{% if c.hidden %}<dt>also matched</dt><dd>{{ c.hidden|join(", ") }}</dd>{% endif %}
{% if c.category %}<dt>category</dt><dd>{{ c.category }}</dd>{% endif %}
{% if c.parents %}<dt>parents</dt><dd>{% for p in c.parents %}<a href="{{ p.href }}">{{ p.text }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</dd>{% endif %}
{% if c.children %}<dt>children</dt><dd>{% for p in c.children %}<a href="{{ p.href }}">{{ p.text }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</dd>{% endif %}
{% if c.standard_ids %}<dt>standard identifiers</dt><dd>{% for x in c.standard_ids %}<a href="{{ x.href }}">{{ x.text }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</dd>{% endif %}
{% if docs.graph_name %}<dt>in the graph</dt><dd>{{ c.entities }} entit{{ "y" if c.entities == 1 else "ies" }}, {{ c.edges }} edge{{ "" if c.edges == 1 else "s" }}</dd>{% endif %}
{% if c.source %}<dt>declared in</dt><dd>{{ c.source }}</dd>{% endif %}</dl></div>
{% endfor %}
</body></html>
"""


def render_docs(docs: Docs) -> str:
    """The documentation page (self-contained HTML, every value escaped)."""
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    return env.from_string(_TEMPLATE).render(docs=docs)

