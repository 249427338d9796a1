from django.urls import path

from playback import views
from playback.commands import COMMANDS

urlpatterns = [
    path("state/", views.PlaybackStateView.as_view(), name="playback-state"),
    path("devices/", views.PlaybackDeviceListView.as_view(), name="playback-devices"),
    *(
        path(f"{command.name}/", views.COMMAND_VIEWS[command.name].as_view(), name=f"playback-{command.name}")
        for command in COMMANDS
    ),
]
