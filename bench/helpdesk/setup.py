"""Prepares a fresh django-helpdesk database for one benchmark run and prints, as one JSON line
on stdout, what the load generator needs: {"queue": ID, "token": "..."}.

    HELPDESK_BENCH_DIR=/tmp/work python setup.py --journal-mode delete

Steps: every migration (Django's, DRF's token table, django-helpdesk's), the SQLite journal mode
(`delete` is SQLite's and Django's default; `wal` is offered because it lets readers and the
writer of several worker processes overlap; either way `synchronous` stays SQLite's default
FULL, so every acknowledged ticket is on disk), one queue, and one staff user with an API token
(the ticket API is for staff: IsAdminUser).
"""

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchdesk.settings")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--journal-mode", choices=["delete", "wal"], default="delete")
    args = p.parse_args()

    work = Path(os.environ["HELPDESK_BENCH_DIR"])
    (work / "media").mkdir(parents=True, exist_ok=True)
    db = work / "helpdesk.db"
    # The journal mode is a property of the file (WAL persists), set before Django opens it.
    conn = sqlite3.connect(db)
    mode = conn.execute(f"PRAGMA journal_mode={args.journal_mode}").fetchone()[0]
    conn.close()
    if mode != args.journal_mode:
        sys.exit(f"SQLite refused journal_mode={args.journal_mode} (got {mode})")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)

    from django.contrib.auth import get_user_model
    from helpdesk.models import Queue
    from rest_framework.authtoken.models import Token

    queue = Queue.objects.create(
        title="12345 热线",
        slug="hotline",
        allow_public_submission=True,
    )
    user = get_user_model().objects.create_user(
        "bench-agent", "agent@example.invalid", None, is_staff=True
    )
    token = Token.objects.create(user=user)
    print(json.dumps({"queue": queue.id, "token": token.key}))


if __name__ == "__main__":
    main()
