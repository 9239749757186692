from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from audit.access import AccessLoggedAdmin
from audit.deletion import delete_user

from .models import User


@admin.register(User)
class UserAdmin(AccessLoggedAdmin, DjangoUserAdmin):
    list_display = ("username", "uuid", "email", "first_name", "last_name", "is_staff")
    search_fields = ("username", "uuid", "email", "first_name", "last_name")
    readonly_fields = ("uuid", "last_login", "date_joined")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Identity provider", {"fields": ("uuid", "department_name", "ad_groups")}),
    )

    def delete_model(self, request, obj):
        delete_user(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            delete_user(user)
