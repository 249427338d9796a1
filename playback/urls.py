from django.urls import path

from playback import views

urlpatterns = [
    path("state/", views.PlaybackStateView.as_view(), name="playback-state"),
    path("devices/", views.PlaybackDeviceListView.as_view(), name="playback-devices"),
    path("play/", views.PlaybackPlayView.as_view(), name="playback-play"),
    path("pause/", views.PlaybackPauseView.as_view(), name="playback-pause"),
    path("next/", views.PlaybackNextView.as_view(), name="playback-next"),
    path("previous/", views.PlaybackPreviousView.as_view(), name="playback-previous"),
    path("seek/", views.PlaybackSeekView.as_view(), name="playback-seek"),
    path("volume/", views.PlaybackVolumeView.as_view(), name="playback-volume"),
    path("shuffle/", views.PlaybackShuffleView.as_view(), name="playback-shuffle"),
    path("repeat/", views.PlaybackRepeatView.as_view(), name="playback-repeat"),
    path("transfer/", views.PlaybackTransferView.as_view(), name="playback-transfer"),
    path("queue/", views.PlaybackQueueAddView.as_view(), name="playback-queue"),
]
