"""Run the ingest service: `python -m ingest`."""

from __future__ import annotations

from ketenkit.serve import serve
from ingest.app import create_app
from ingest.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
