"""`python -m tanggap_drafter`: run the drafter service."""

from tanggap_drafter.app import create_app
from tanggap_drafter.settings import DrafterSettings
from tanggap_shared.private import private_files
from tanggap_shared.runtime import configure, serve


def main() -> None:
    private_files()  # before anything is created: the state folder is this user's only
    settings = DrafterSettings()
    configure(settings)
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
