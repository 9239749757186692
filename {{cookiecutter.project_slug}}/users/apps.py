from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"

    def ready(self):
        from django.db.models.signals import post_delete

        from .models import User, remember_deleted_user

        post_delete.connect(
            remember_deleted_user, sender=User, dispatch_uid="users.remember_deleted"
        )
