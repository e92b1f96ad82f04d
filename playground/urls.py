from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("play/<str:name>/", views.play, name="play"),
    path("healthz", views.healthz, name="healthz"),
]
