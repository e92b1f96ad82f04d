"""What one step of an instructor room costs in the database as its run grows: a room's
election run at 1,000 / 5,000 / 9,000 actions, one more action, saved the way the room's
driver saves it (playground/roomrun.py `_save`: a conditional UPDATE of the Room row and one
appended RoomStep row) on a fresh SQLite file, and, for comparison, the same step saved by
rewriting the whole action list in the row. Prints medians.

    .venv/bin/python bench/room_save.py [--saves 30]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKDIR = tempfile.mkdtemp(prefix="room-save-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR}/db.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from playground.models import Room  # noqa: E402
from playground.roomrun import RoomSession, _save  # noqa: E402


def median_ms(work, times, before=lambda: None):
    """Median of `work()`'s time over `times` calls, each after an untimed `before()`."""
    spent = []
    for _ in range(times):
        before()
        start = time.perf_counter()
        work()
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    room = Room.objects.create(code="roomsavebench", key_hash="-", protocol="election",
                               variant="correct")
    session = RoomSession.from_room(room)
    stored = []
    for size in (1000, 5000, 9000):
        while len(session.timeline) < size - args.saves:
            session.step(min(500, size - args.saves - len(session.timeline)))
        seq = Room.objects.get(pk=room.code).seq
        seq = _save(room.code, seq, session, stored, {}, None)
        stored = list(session.timeline)

        def save():
            nonlocal seq, stored
            seq = _save(room.code, seq, session, stored, {}, None)
            stored = list(session.timeline)

        appended = median_ms(save, args.saves, before=lambda: session.step(1))

        def rewrite():
            Room.objects.filter(pk=room.code).update(actions=list(session.timeline))

        whole = median_ms(rewrite, args.saves)
        print(f"election room at {len(session.timeline):,} actions: a step's save median "
              f"{appended:.1f} ms; rewriting the whole list {whole:.1f} ms",
              flush=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
