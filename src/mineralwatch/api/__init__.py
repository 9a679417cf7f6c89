"""HTTP API and web workbench (FastAPI + Jinja2 + htmx), a thin layer over the Python API.

Start it with ``mineralwatch serve``; build it in code with :func:`create_app`.
"""

from mineralwatch.api.app import create_app

__all__ = ["create_app"]
