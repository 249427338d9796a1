from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class JukeUserManager(UserManager):
    @classmethod
    def normalize_email(cls, email):
        # A missing address is stored as NULL, never "", so the unique constraint allows many of them
        # (accounts created through Spotify whose address already belongs to another Juke user).
        return super().normalize_email(email) or None


class JukeUser(AbstractUser):
    # ASCII only, unique whatever the letter case (ADR 0013): no look-alike of another user's name.
    # Names chosen before that rule are kept (the validator runs on new and changed names only).
    username_validator = ASCIIUsernameValidator()  # type: ignore[assignment]  # stubs pin the base's validator class
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer. ASCII letters, digits and @/./+/-/_ only.",
        validators=[username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
    # NULL, not "", for no address, so unique holds among the accounts that have one; the stubs type it str.
    email = models.EmailField("email address", unique=True, null=True, blank=True)  # type: ignore[assignment]

    objects: ClassVar[JukeUserManager] = JukeUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="juke_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="juke_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        super().clean()
        self.email = self.email or None


class PendingEmailChange(models.Model):
    """The latest address a user asked to change to; its e-mailed link works once, and only while it is the latest."""

    user = models.OneToOneField(JukeUser, on_delete=models.CASCADE, primary_key=True, related_name="pending_email")
    email = models.EmailField()
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"E-mail change of {self.user_id}"


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
    clout = models.FloatField(
        default=0.0, help_text="0-1 standing in the community; computed, never written by clients."
    )
    listens_public = models.BooleanField(
        default=False, help_text="Whether other users may read this listener's listening history."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Juke World: the profiles in a box above a minimum clout, highest clout first (globe selector).
            models.Index(
                fields=["-clout", "city_lat", "city_lng"],
                name="profile_globe_clout_idx",
                condition=Q(city_lat__isnull=False, city_lng__isnull=False),
            ),
            models.Index(
                fields=["city_lat", "city_lng", "-clout"],
                name="profile_globe_box_idx",
                condition=Q(city_lat__isnull=False, city_lng__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Music profile of {self.user.username}"

    @property
    def top_genre(self) -> str | None:
        """The first favourite genre, the one that represents the listener."""
        genres = self.favorite_genres
        if isinstance(genres, list) and genres and isinstance(genres[0], str):
            return genres[0]
        return None
