"""`python -m tanggap_notifier`: run the notifier with settings from the environment."""

from tanggap_notifier.app import create_app
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.private import private_files
from tanggap_shared.runtime import configure, serve


def main() -> None:
    private_files()  # before anything is created: the state folder is this user's only
    settings = NotifierSettings()
    configure(settings)
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
