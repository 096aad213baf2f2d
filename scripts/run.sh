#!/usr/bin/env bash
# `make run`: migrate, load the demo, then the portal and a Celery worker (with beat) side by side. With no
# REDIS_URL the worker reads the tasks the portal queues in var/broker/ (the embedded default). Stopping
# the portal (Ctrl+C, or a signal to this script) stops the worker too.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_ENV="${DJANGO_ENV:-local}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
mkdir -p var
$BIN/python manage.py migrate --noinput
$BIN/python manage.py load_demo
$BIN/celery -A dvc_portal worker --beat --pool=solo --loglevel=warning \
  --schedule var/celerybeat-schedule --hostname "dvc-local@%h" &
worker=$!
trap 'kill -TERM "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
$BIN/python manage.py runserver "$HOST:$PORT"
