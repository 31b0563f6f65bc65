"""Run the registry service: `python -m registry`."""

from __future__ import annotations

from ketenkit.serve import serve
from registry.app import create_app
from registry.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
