"""Saved scenarios: the short links `/s/<id>` (docs/scenarios.md, docs/api.md).

A row holds the same fields a share link's token carries (protocol, variant, config, seed,
actions, cursor), plus the author's title and narration (untrusted text, length-capped,
always rendered as text) and, for the creation rate limit, the creator's address.
"""

import secrets

from django.db import models

ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: ids are read aloud
ID_LENGTH = 8


def new_id():
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


class Scenario(models.Model):
    id = models.CharField(primary_key=True, max_length=16, default=new_id, editable=False)
    protocol = models.CharField(max_length=40)
    variant = models.CharField(max_length=40)
    config = models.JSONField(default=dict)
    seed = models.BigIntegerField(default=0)
    actions = models.JSONField(default=list)
    cursor = models.IntegerField(default=0)
    title = models.CharField(max_length=120, blank=True, default="")
    narration = models.JSONField(default=dict)  # {"<step>": "text"}
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    creator_ip = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["-created"]

    def link_scenario(self):
        """The share link's scenario dict (protocols/links/share.py)."""
        from protocols.links.share import VERSION

        return {"v": VERSION, "protocol": self.protocol, "variant": self.variant,
                "config": self.config, "seed": self.seed, "actions": self.actions,
                "cursor": self.cursor}

    def get_absolute_url(self):
        return f"/s/{self.id}"


class Room(models.Model):
    """An instructor room (docs/rooms.md): one live run that a class follows. The run (its
    timeline and cursor) and the room's broadcast sequence number live here, so any Daphne
    process can catch a follower up and continue the sequence."""

    code = models.CharField(primary_key=True, max_length=16, editable=False)
    key_hash = models.CharField(max_length=64)  # sha256 hex of the instructor secret
    protocol = models.CharField(max_length=40)
    variant = models.CharField(max_length=40)
    config = models.JSONField(default=dict)
    seed = models.BigIntegerField(default=0)
    # The timeline is `actions` followed by the room's RoomStep rows: a step appends one row
    # instead of rewriting the whole list (a 9,000-action list took 15 ms a save). A change
    # that is not an append (a fork, a new run) rewrites `actions`, drops the rows and sets
    # `base_seq` to its room seq, so a copy of the run knows whether it may just read on.
    actions = models.JSONField(default=list)
    base_seq = models.BigIntegerField(default=0)
    cursor = models.IntegerField(default=0)
    preset = models.CharField(max_length=60, blank=True, default="")
    narration = models.JSONField(default=dict)  # {"<step>": "caption"}
    seq = models.BigIntegerField(default=0)  # the last broadcast frame's room seq
    # Auto-play belongs to the room (playground/roomrun.py): whether it plays, how fast, and
    # the id of the player task that owns it (a newer one, on any process, takes over).
    playing = models.BooleanField(default=False)
    interval_ms = models.IntegerField(default=400)
    player = models.CharField(max_length=32, blank=True, default="")
    # When the run was last saved (by any driver; while playing, by the player's last step): a
    # player whose process died stops moving it, and another process takes play over.
    changed = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    creator_ip = models.CharField(max_length=64, blank=True, default="", db_index=True)

    def get_absolute_url(self):
        return f"/room/{self.code}/"

    def timeline(self, start=0):
        """The room's timeline from index `start` on: `actions`, then the appended steps."""
        appended = RoomStep.objects.filter(
            room_id=self.code, index__gte=max(start, len(self.actions))).order_by("index")
        return self.actions[start:] + list(appended.values_list("action", flat=True))


class RoomStep(models.Model):
    """One action appended to a room's timeline (at position `index`, from 0); see Room."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="steps")
    index = models.IntegerField()
    action = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "index"],
                                               name="room_step_once_per_index")]


class RoomPresence(models.Model):
    """How many of a room's followers one server process holds. A process refreshes its rows
    while it holds followers; the room's follower count is the sum of the fresh rows, so a
    process that dies without closing its sockets stops being counted (playground/roomrun.py)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="presence")
    process = models.CharField(max_length=100)
    count = models.IntegerField(default=0)
    seen = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "process"],
                                               name="room_presence_once_per_process")]
