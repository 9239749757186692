from django.contrib import admin

from .models import ErrorLogEntry


@admin.register(ErrorLogEntry)
class ErrorLogEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are evidence, and shipping and pruning manage them."""

    list_display = ("created_at", "is_sent", "__str__")
    list_filter = ("is_sent",)
    readonly_fields = ("is_sent", "message", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
