from django.db import models


class ErrorLogEntry(models.Model):
    """A failed action: what was tried, by whom, and how it failed.

    Kept apart from the audit log, which records what did happen. Written
    outside the failed action's transaction, so it stays when that rolls back.
    `message` is JSON; README.md lists its keys.
    """

    is_sent = models.BooleanField(
        default=False, help_text="Shipped to the central log service already."
    )
    message = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "error log entries"
        indexes = [
            # The shipper reads unsent entries oldest first; pruning deletes
            # sent ones older than a date.
            models.Index(
                fields=["is_sent", "created_at"], name="errorlog_sent_created"
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.message.get('code', '')}"
