"""Runs doccano's parts inside doccano's own venv: `init`, `web PORT`, `task`.

Executed by that venv's python, never imported by zxie; it uses only doccano's packages.
Like `doccano init/createuser/webserver/task`, but the web server binds to 127.0.0.1 only and
the admin password comes from the environment (ZXIE_DOCCANO_ADMIN_PASSWORD), never from argv.
"""

import os
import sys

# This file sits beside zxie modules whose names doccano's Django apps also use (labels, ...):
# its folder must not shadow them.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]


def main(argv):
    os.umask(0o077)  # the database, its journal and the media files: the owner's only
    import backend.cli as cli  # sets DOCCANO_HOME-based database and media paths, and sys.path
    import django
    from django.core import management

    django.setup()
    command = argv[0]
    if command == "init":
        management.call_command("wait_for_db")
        management.call_command("migrate", verbosity=0)
        management.call_command("create_roles")
        password = os.environ.pop("ZXIE_DOCCANO_ADMIN_PASSWORD")
        username = os.environ.get("ZXIE_DOCCANO_ADMIN_USER", "admin")
        management.call_command("create_admin", "--noinput", username=username, password=password,
                                email="admin@localhost")
    elif command == "web":
        import gunicorn.app.base
        import gunicorn.util

        class Loopback(gunicorn.app.base.BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"127.0.0.1:{int(argv[1])}")
                self.cfg.set("workers", int(os.environ.get("ZXIE_DOCCANO_WORKERS", "2")))
                self.cfg.set("chdir", os.path.dirname(cli.__file__))
                self.cfg.set("capture_output", True)
                self.cfg.set("loglevel", "info")

            def load(self):
                return gunicorn.util.import_app("config.wsgi")

        Loopback().run()
    elif command == "task":
        cli.app.worker_main(argv=["--app=config", f"--workdir={os.path.dirname(cli.__file__)}", "worker",
                                  "--loglevel=info", "--concurrency=1"])
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
