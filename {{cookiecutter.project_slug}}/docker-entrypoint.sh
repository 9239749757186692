#!/bin/sh
# Start the service in its container. gunicorn (the production command) waits
# for the database and migrates when asked (APPLY_MIGRATIONS=1) in a child of
# its master process (gunicorn.conf.py), so that Django starts once; any other
# command (the development server, manage.py) gets the same done here first.
set -eu

if [ "${1:-}" != "gunicorn" ]; then
    if [ "${APPLY_MIGRATIONS:-0}" = "1" ]; then
        python manage.py wait_for_database --timeout "${DATABASE_WAIT_SECONDS:-60}" --migrate
    else
        python manage.py wait_for_database --timeout "${DATABASE_WAIT_SECONDS:-60}"
    fi
fi

exec "$@"
