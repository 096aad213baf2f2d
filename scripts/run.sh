#!/usr/bin/env bash
# `make run`: migrate, load the demo, then three processes side by side, all stopped together (Ctrl+C, or a
# signal to this script):
# - the mock national services (mock_portal/, its own settings and database) on 127.0.0.1:8100: the National
#   Public Service Portal, the mock VNeID (its portal client registered at each start) and the population
#   database; the dossiers citizens file on its pages (http://127.0.0.1:8100/dvc/) are pushed to the portal's
#   inbound API on $HOST:$PORT, signed with NATIONAL_INBOUND_SECRET (the portal's default unless set);
# - a Celery worker with beat: with no REDIS_URL it reads the tasks the portal queues in var/broker/;
# - the portal on $HOST:$PORT, served by gunicorn (dvc_portal/gunicorn_local.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_ENV="${DJANGO_ENV:-local}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
MOCK_PORTAL_PORT="${MOCK_PORTAL_PORT:-8100}"
mkdir -p var
DJANGO_SETTINGS_MODULE=mock_portal.settings $BIN/python manage.py migrate --noinput -v0
# The portal's client at the mock VNeID: where it may send browsers back to follows HOST and PORT, unless set.
MOCK_VNEID_REDIRECT_URIS="${MOCK_VNEID_REDIRECT_URIS:-http://$HOST:$PORT/tai-khoan/vneid/xac-thuc/ http://localhost:$PORT/tai-khoan/vneid/xac-thuc/}" \
MOCK_VNEID_LOGOUT_URIS="${MOCK_VNEID_LOGOUT_URIS:-http://$HOST:$PORT/ http://localhost:$PORT/}" \
  DJANGO_SETTINGS_MODULE=mock_portal.settings $BIN/python manage.py vneid_client -v0
$BIN/python manage.py migrate --noinput
$BIN/python manage.py load_demo
children=()
trap 'kill -TERM "${children[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
# gunicorn, as docker compose runs it: Django's runserver answers a kept-alive connection ~40 ms late, which
# the worker's deliveries would feel on every call.
# Its pusher sends each dossier filed on its pages to the portal (a server bound to every address is reached
# on 127.0.0.1), signed with the secret the portal reads as NATIONAL_INBOUND_SECRET, with document links at
# the address the portal reaches the mock at (its NATIONAL_PORTAL_URL: it fetches from no other host), whatever
# address the citizen's browser used.
PORTAL_HOST="$HOST"
if [ "$HOST" = "0.0.0.0" ]; then PORTAL_HOST=127.0.0.1; fi
MOCK_PROVINCE_INBOUND_URL="${MOCK_PROVINCE_INBOUND_URL:-http://$PORTAL_HOST:$PORT/api/v1/national/dossiers/}" \
MOCK_PORTAL_INTERNAL_URL="${MOCK_PORTAL_INTERNAL_URL:-http://127.0.0.1:$MOCK_PORTAL_PORT}" \
MOCK_PROVINCE_SECRET="${MOCK_PROVINCE_SECRET:-${NATIONAL_INBOUND_SECRET:-mock-inbound-dev-secret}}" \
DJANGO_SETTINGS_MODULE=mock_portal.settings $BIN/gunicorn mock_portal.wsgi:application \
  --bind "127.0.0.1:$MOCK_PORTAL_PORT" --workers 1 --worker-class gthread --threads 4 --timeout 90 &
children+=($!)
$BIN/celery -A dvc_portal worker --beat --pool=solo --loglevel=warning \
  --schedule var/celerybeat-schedule --hostname "dvc-local@%h" &
children+=($!)
# The portal with gunicorn too (dvc_portal/gunicorn_local.py: a long listen queue, threads, code reload).
HOST="$HOST" PORT="$PORT" $BIN/gunicorn dvc_portal.wsgi:application -c dvc_portal/gunicorn_local.py
