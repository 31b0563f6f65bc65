"""Run the linkage service: `python -m linkage`."""

from __future__ import annotations

from ketenkit.serve import serve
from linkage.app import create_app
from linkage.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
