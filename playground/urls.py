from django.urls import path

from . import rooms, scenarios, views

urlpatterns = [
    path("", views.index, name="index"),
    path("play/<str:name>/", views.play, name="play"),
    path("presets/", scenarios.presets, name="presets"),
    path("s/<str:scenario_id>", scenarios.short_link, name="short_link"),
    path("api/scenarios", scenarios.api_scenarios, name="api_scenarios"),
    path("api/scenarios/<str:scenario_id>", scenarios.api_scenario, name="api_scenario"),
    path("api/export/mermaid", scenarios.export_mermaid, name="export_mermaid"),
    path("api/export/trace", scenarios.export_trace, name="export_trace"),
    path("api/rooms", rooms.api_rooms, name="api_rooms"),
    path("room/<str:code>/", rooms.room_page, name="room"),
    path("room/<str:code>/present", rooms.presenter_page, name="presenter"),
    path("room/<str:code>/fork", rooms.fork, name="room_fork"),
    path("healthz", views.healthz, name="healthz"),
]
