"""Run the ingest service: `python -m ingest`."""

from __future__ import annotations

from ingest.app import create_app
from ingest.config import Settings
from ketenkit.serve import serve


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
