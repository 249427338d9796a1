from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class JukeUser(AbstractUser):
    email = models.EmailField("email address", unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="juke_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.username


class MusicProfile(models.Model):
    user = models.OneToOneField(JukeUser, on_delete=models.CASCADE, related_name="music_profile")
    name = models.CharField(max_length=200, null=True, blank=True)
    display_name = models.CharField(max_length=200, blank=True, default="")
    tagline = models.CharField(max_length=280, blank=True, default="")
    bio = models.TextField(blank=True, default="")
    location = models.CharField(max_length=120, blank=True, default="")
    avatar_url = models.URLField(max_length=500, blank=True, default="")
    favorite_genres = models.JSONField(default=list, blank=True)
    favorite_artists = models.JSONField(default=list, blank=True)
    favorite_albums = models.JSONField(default=list, blank=True)
    favorite_tracks = models.JSONField(default=list, blank=True)
    onboarding_completed_at = models.DateTimeField(null=True, blank=True)
    city_lat = models.FloatField(null=True, blank=True)
    city_lng = models.FloatField(null=True, blank=True)
    custom_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Music profile of {self.user.username}"
