"""WebSocket routes (the HTTP routes are in playground/urls.py)."""

from django.urls import path

from . import consumers, rooms

websocket_urlpatterns = [
    path("ws/play/<str:name>/", consumers.PlayConsumer.as_asgi()),
    path("ws/room/<str:code>/", rooms.RoomConsumer.as_asgi()),
]
