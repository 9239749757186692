#!/bin/sh
# The stand-in's start, doing what the official postgres image does with the
# variables compose.yaml sets: on the first start (an empty data volume) make
# the cluster, with POSTGRES_USER as its superuser, POSTGRES_PASSWORD as that
# user's password for connections over the network, and POSTGRES_DB.
set -eu

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    initdb --pgdata "$PGDATA" --username "$POSTGRES_USER" --pwfile "$password_file" \
        --auth-local trust --auth-host scram-sha-256 --encoding UTF8 --locale C.UTF-8 >/dev/null
    rm "$password_file"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    pg_ctl --pgdata "$PGDATA" --wait --options "-c listen_addresses=''" start >/dev/null
    if [ "$POSTGRES_DB" != "postgres" ]; then
        createdb --username "$POSTGRES_USER" "$POSTGRES_DB"
    fi
    pg_ctl --pgdata "$PGDATA" --wait --mode fast stop >/dev/null
fi

exec postgres -c listen_addresses='*'
