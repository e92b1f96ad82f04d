"""WebSocket routes (the HTTP routes are in playground/urls.py)."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from . import consumers, rooms


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any other path: the handshake is refused (HTTP 403), without the traceback channels'
    URLRouter logs for a path it cannot route."""

    async def connect(self):
        await self.close()


websocket_urlpatterns = [
    path("ws/play/<str:name>/", consumers.PlayConsumer.as_asgi()),
    path("ws/room/<str:code>/", rooms.RoomConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
