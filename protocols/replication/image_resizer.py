"""The image-resizer story (DDIA ch. 9, "Cross-channel timing dependencies"; config
`image_resizer`).

c1 is a web server: it stores each uploaded image (v1, v2, ...) and, once the write is
acknowledged, tells the resizer about it through a message queue (ENQUEUE, then RESIZE).
c2 is the resizer: it fetches the image it was told about from its nearest replica. Two
channels -- the queue and replication -- race: with an asynchronous follower nearest the
resizer, it can fetch an older image than the one announced. The check "resizer fetched
the uploaded image" reads what it recorded.
"""

from ..kernel import Node, shown


class Queue(Node):
    """A message queue between the web server and the resizer (a second channel)."""

    role = "queue"

    def on_enqueue(self, src, key, value):
        self.send("c2", "RESIZE", key=key, value=value)

    def summary(self):
        return "relays upload notices to the resizer"


class ImageResizerClient:
    """What c1 and c2 do in the story. (Mixed into client.Client, which calls `announce`
    when the web server's write is done and `resized` when a fetch is.)"""

    def announce(self, op):
        """The upload is stored: tell the resizer to fetch it, through the queue."""
        self.send("queue", "ENQUEUE", key=op["key"], value=op["value"])

    def on_resize(self, src, key, value):
        """The queue says: a new image was uploaded; fetch it and resize it."""
        if self.volatile.op is None:
            self.fetch(key, value)
        else:
            self.volatile.todo.append([key, value])

    def fetch(self, key, value):
        self.begin("read", key)
        self.volatile.op["fetching"] = value

    def resized(self, op, status, result):
        told = op["fetching"]
        self.durable.setdefault("resized", []).append(
            {"told": told, "fetched": result if status == "ok" else None,
             "stale": status == "ok" and older(result, told)})
        if status != "ok":
            self.note(f"could not fetch {op['key']}", tone="warning")
            return
        if not older(result, told):
            self.note(f"resized {shown(result)}", tone="ok", resized=result, told=told)
        else:
            self.note(f"resized {shown(result)} — but was told about {shown(told)}!",
                      tone="violation", resized=result, told=told, stale=True)


def older(fetched, told):
    """Is the fetched image older than the one announced? (Uploads are v1, v2, ...)"""
    if fetched is None:
        return True
    try:
        return int(str(fetched).lstrip("v")) < int(str(told).lstrip("v"))
    except ValueError:
        return fetched != told
