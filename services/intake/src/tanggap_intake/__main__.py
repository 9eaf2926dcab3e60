"""`python -m tanggap_intake`: serve the intake on TANGGAP_HTTP_HOST:TANGGAP_HTTP_PORT."""

from tanggap_intake.app import create_app
from tanggap_intake.settings import IntakeSettings
from tanggap_shared.private import private_files
from tanggap_shared.runtime import configure, serve


def main() -> None:
    private_files()  # before anything is created: the state folder is this user's only
    settings = IntakeSettings()
    configure(settings)
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
