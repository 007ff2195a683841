"""kg: evidence-backed medical knowledge graphs from literature.

Importing ``kg`` is cheap; the heavy parts (spaCy, rdflib serialisers, pyvis)
are imported by the modules that use them.
"""

__version__ = "0.1.0"
