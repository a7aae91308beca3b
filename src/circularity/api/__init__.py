"""HTTP API and dashboard: ``create_app()`` builds the FastAPI app ``circularity serve`` runs."""

from circularity.api.app import create_app

__all__ = ["create_app"]
