"""`python -m tanggap_drafter`: run the drafter service."""

from tanggap_drafter.app import create_app
from tanggap_drafter.settings import DrafterSettings
from tanggap_shared.runtime import configure, serve


def main() -> None:
    settings = DrafterSettings()
    configure(settings)
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
