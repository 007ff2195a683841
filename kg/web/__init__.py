"""``kg serve``: a local web app over one graph.

The folder is laid out by job:

- :mod:`kg.web.sparql`: the SPARQL 1.1 Protocol (what a request asks for,
  which queries are refused, content negotiation, result serialisation);
- :mod:`kg.web.pool`: worker processes that run the queries, with a time
  limit that really stops a query that runs too long;
- :mod:`kg.web.site`: the graph read once into what the pages show (entities,
  claims with their evidence, search suggestions, neighbourhoods);
- :mod:`kg.web.app`: the Starlette application (routes, templates, headers)
  and :func:`kg.web.app.serve`, which runs it with uvicorn;
- ``templates/`` and ``static/``: the pages, their script and style.  Nothing
  is fetched from the network; vis-network is served from the pyvis package.

Nothing here is imported by ``import kg``.
"""

from pathlib import Path

#: Jinja2 templates and static files, found beside this file in a checkout or an installed wheel.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
