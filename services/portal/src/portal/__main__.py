"""Run the portal: `python -m portal`."""

from __future__ import annotations

from ketenkit.serve import serve
from portal.app import create_app
from portal.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
