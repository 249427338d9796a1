from django.urls import path

from core.views import TaskStatusView

urlpatterns = [
    path("tasks/<uuid:task_id>/", TaskStatusView.as_view(), name="task-status"),
]
