"""``kg fetch-pubmed``: the command over :func:`kg.sources.eutils.fetch_pubmed`.

Registered on the ``kg`` app by :func:`register` (called at the end of
:mod:`kg.cli`).  The E-utilities client is imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def fetch_pubmed_command(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="A PubMed search, as typed into PubMed.", show_default=False)],
    out_dir: Annotated[Path, typer.Option("-o", "--out", help="Folder to write the PubMed XML files into.", show_default=False)],
    max_records: Annotated[int, typer.Option("--max", min=1, max=10_000, help="Fetch at most this many records.")] = 1000,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=10_000, help="Records per request and per file.")] = 500,
    api_key: Annotated[
        Optional[str],
        typer.Option("--api-key", envvar="NCBI_API_KEY", help="Your NCBI API key (allows 10 instead of 3 requests a second).", show_default=False),
    ] = None,
    email: Annotated[
        Optional[str],
        typer.Option("--email", envvar="NCBI_EMAIL", help="Your e-mail address, so NCBI can reach you about your use.", show_default=False),
    ] = None,
    tool: Annotated[str, typer.Option("--tool", help="The name of the software NCBI is told makes the requests.")] = "kg",
) -> None:
    """Search PubMed (NCBI E-utilities) and save the records as PubMed XML for kg build."""
    from .cli import _reported, err, out
    from .sources.eutils import EUtils, fetch_pubmed

    with _reported():
        client = EUtils(api_key=api_key, email=email, tool=tool)

        def progress(done: int, total: int) -> None:
            err.print(f"fetched {done} of {total} records", markup=False)

        summary = fetch_pubmed(query, out_dir, max_records=max_records, batch_size=batch_size, client=client, progress=progress)
    if summary.count == 0:
        out.print(f"No PubMed records match {query!r}; nothing was written.", markup=False)
        return
    matched = f"{summary.count} record{'s' if summary.count != 1 else ''} match"
    out.print(f"{matched} {query!r}; wrote {summary.fetched} to {out_dir}:", markup=False)
    for path in summary.files:
        out.print(f"  {path.name}", markup=False)
    out.print(f"Build the graph with: kg build {out_dir} -o OUT", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``kg fetch-pubmed`` to ``app``."""
    app.command("fetch-pubmed")(fetch_pubmed_command)
