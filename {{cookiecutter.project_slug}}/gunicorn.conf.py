"""Gunicorn, the production server: `gunicorn --config gunicorn.conf.py <wsgi>`.

Threads in a few worker processes suit this I/O-bound service. The access
log leaves out /healthz and /readiness, which the platform asks every few
seconds, and shows each request's X-Request-ID. Its lines, and gunicorn's
own, are JSON (django-logger-extra's formatters) unless LOG_FORMAT=plain.
"""

import os

from gunicorn.glogging import Logger


def whole_number(name, default):
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1; got {raw!r}.")
    return int(raw)


class ProbesQuietLogger(Logger):
    """Gunicorn's logger, without the access lines of the health probes."""

    QUIET_PATHS = frozenset({"/healthz", "/readiness"})

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") not in self.QUIET_PATHS:
            super().access(resp, req, environ, request_time)


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{whole_number('PORT', 8000)}"
workers = whole_number("WEB_CONCURRENCY", 2)
worker_class = "gthread"
threads = whole_number("GUNICORN_THREADS", 4)
timeout = 30
graceful_timeout = 30
# Gunicorn 25.1+ opens a control socket under $HOME for runtime commands; the
# platform restarts pods instead, and a read-only image has no home to open it
# in (each start would log "Control server error").
control_socket_disable = True
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
logger_class = ProbesQuietLogger
if os.environ.get("LOG_FORMAT", "").strip() != "plain":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "access": {"()": "logger_extra.extras.gunicorn.JsonFormatter"},
            "error": {"()": "logger_extra.extras.gunicorn.JsonErrorFormatter"},
        },
        "handlers": {
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
            },
            "error": {
                "class": "logging.StreamHandler",
                "formatter": "error",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["error"]},
        "loggers": {
            "gunicorn.access": {"handlers": ["access"], "propagate": False},
            "gunicorn.error": {"handlers": ["error"], "propagate": False},
        },
    }
