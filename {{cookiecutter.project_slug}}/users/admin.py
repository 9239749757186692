from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "uuid", "email", "first_name", "last_name", "is_staff")
    search_fields = ("username", "uuid", "email", "first_name", "last_name")
    readonly_fields = ("uuid", "last_login", "date_joined")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Identity provider", {"fields": ("uuid", "department_name", "ad_groups")}),
    )
