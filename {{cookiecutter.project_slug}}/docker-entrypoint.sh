#!/bin/sh
# Start the service in its container: wait for the database, migrate when
# asked to (APPLY_MIGRATIONS=1), then run the command given (the server).
set -eu

python manage.py wait_for_database --timeout "${DATABASE_WAIT_SECONDS:-60}"

if [ "${APPLY_MIGRATIONS:-0}" = "1" ]; then
    python manage.py migrate --no-input
fi

exec "$@"
