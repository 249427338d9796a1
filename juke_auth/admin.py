from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from juke_auth.models import JukeUser, MusicProfile


@admin.register(JukeUser)
class JukeUserAdmin(UserAdmin):
    list_display = ["username", "email", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined"]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering = ["-date_joined"]


@admin.register(MusicProfile)
class MusicProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "location", "onboarding_completed_at", "clout", "modified_at"]
    list_filter = [("onboarding_completed_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["user__username", "display_name", "location"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "modified_at"]
