"""Imports as durable jobs on PostgreSQL, served over HTTP (the ``service`` extra).

An upload becomes an *import* row and a procrastinate job in the same
PostgreSQL database as the chunks; any worker of any instance runs it, one
import per user at a time, with the LLM calls of every instance held under
one cap (:mod:`extraction.service.permits`). The parts:

- :mod:`~extraction.service.config`: :class:`ServiceConfig`, the service's knobs;
- :mod:`~extraction.service.schema`: the service's tables, migrated at start;
- :mod:`~extraction.service.imports`: the import rows (status, progress, result);
- :mod:`~extraction.service.uploads`: exports stored in the database, piece by piece;
- :mod:`~extraction.service.profiles`: the memory profiles, one row per user;
- :mod:`~extraction.service.permits`: the cluster-wide cap on LLM calls in flight;
- :mod:`~extraction.service.queue`: the procrastinate app, the import task, the reaper;
- :mod:`~extraction.service.api`: the FastAPI application;
- :mod:`~extraction.service.server`: ``serve`` and ``worker``, what the CLI runs.

Importing this package imports neither FastAPI nor procrastinate: they are
imported by the functions that need them (``pip install 'chat-memory-chunks[service]'``).
"""

from extraction.service.config import ServiceConfig

__all__ = ["ServiceConfig"]
