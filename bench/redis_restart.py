"""A room through Redis `kill -9` and restart (issue 15, finding 4), over two Daphne
processes and a real redis-server on loopback: the instructor steps at 10/s on the first
process, followers on both; Redis is killed mid-stepping and started again on its port a
second later; then auto-play at 10 steps/s through a second kill and restart, and a pause.

Prints, per run: the steps missing at each follower (room seqs that reached it neither as a
frame nor inside a later snapshot) after the stepping and after the pause, how many came only
inside a catch-up snapshot, `internal` errors, and whether auto-play went on after the
restart and the followers were told its state. Medians over --runs.

    python bench/redis_restart.py [--runs 3] [--followers 3] [--down 1.0]
    python bench/redis_restart.py --root /tmp/before   # another checkout (e.g. before a fix)

Targets: 0 steps missing at every follower, 0 internal errors.
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.playground.test_redis_restart import (  # noqa: E402
    RestartableRedis,
    restart_during_room,
    serve_two,
    stop_all,
)


def one_run(root, followers, down_s, rate):
    with tempfile.TemporaryDirectory() as workdir:
        redis = RestartableRedis(workdir)
        redis.start()
        procs = []
        try:
            ports, procs, db = serve_two(redis, workdir, root=root)
            return asyncio.run(restart_during_room(
                ports, redis, db, followers_per_process=followers, rate=rate, down_s=down_s))
        finally:
            stop_all(procs)
            redis.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--followers", type=int, default=3, help="per Daphne process")
    parser.add_argument("--down", type=float, default=1.0, help="seconds Redis stays down")
    parser.add_argument("--rate", type=int, default=10, help="steps per second")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--json", action="store_true", help="print each run's report")
    args = parser.parse_args()
    rows = []
    for run in range(args.runs):
        report = one_run(args.root, args.followers, args.down, args.rate)
        if args.json:
            print(json.dumps(report))
        stepped, paused, play = report["stepped"], report["paused"], report["auto_play"]
        row = {
            "missing_stepping_max": max(stepped["missing"].values()),
            "missing_after_pause_max": max(paused["missing"].values()),
            "missing_playing_max": max(play["missing"].values()),
            "only_in_snapshot_med": statistics.median(
                list(stepped["only_in_snapshot"].values())
                + list(paused["only_in_snapshot"].values())),
            "internal": report["internal"],
            "play_went_on": play["playing"] and play["steps_after_restart"] > 0,
            "followers_told_play_state": sum(play["followers_told"].values()),
            "followers": len(play["followers_told"]),
            "other_errors": [e for e in report["errors"] if e != "internal"],
        }
        rows.append(row)
        print(f"run {run + 1}: steps missing per follower (max) while stepping "
              f"{row['missing_stepping_max']}, while playing {row['missing_playing_max']}, after the pause {row['missing_after_pause_max']}; "
              f"only in a snapshot (median per follower) {row['only_in_snapshot_med']}; "
              f"internal errors {row['internal']}; auto-play went on after the restart: "
              f"{row['play_went_on']}; followers told the play state "
              f"{row['followers_told_play_state']}/{row['followers']}; other errors "
              f"{row['other_errors']}", flush=True)
    print(f"median over {args.runs} runs: steps missing (max per follower) "
          f"{statistics.median(r['missing_stepping_max'] for r in rows)} / "
          f"{statistics.median(r['missing_playing_max'] for r in rows)} / "
          f"{statistics.median(r['missing_after_pause_max'] for r in rows)}, internal errors "
          f"{statistics.median(r['internal'] for r in rows)}, auto-play went on in "
          f"{sum(r['play_went_on'] for r in rows)}/{args.runs} runs")


if __name__ == "__main__":
    main()
