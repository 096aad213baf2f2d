# The production image of the portal: gunicorn by default; the same image runs the Celery worker and beat
# and the one-shot migration (see docker-compose.yml). Build: docker build -t dvc-portal .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# fonts-dejavu-core: a TTF with Vietnamese glyphs for the printed forms (reportlab's built-in fonts
# cannot print Vietnamese). gettext: `manage.py makemessages`/`compilemessages` inside the image (the
# compiled catalogs are committed, so serving needs no gettext). tesseract-ocr, tesseract-ocr-vie and
# ghostscript: OCR of scanned dossier documents (OCRmyPDF) in the worker.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core gettext tesseract-ocr tesseract-ocr-vie ghostscript \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The pinned runtime set only (no test tools): the same file `make run` installs.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# Static files are gathered and fingerprinted once, at build, for whitenoise to serve. The key below only
# lets production settings load for this command; it is not kept in the image (RUN-scoped, not ENV).
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-at-build-time-only-never-used-to-serve \
    python manage.py collectstatic --noinput -v 0

# The code belongs to root and is read-only for the process; only the data folders are writable: media,
# the signing keys (pki, private to the process) and the mock national portal's database.
RUN groupadd --system dvc \
    && useradd --system --gid dvc --home-dir /app --no-create-home --shell /usr/sbin/nologin dvc \
    && mkdir -p /data/media /data/pki /data/mock-portal \
    && chown dvc:dvc /data/media /data/pki /data/mock-portal \
    && chmod 700 /data/pki

ENV DJANGO_ENV=production \
    MEDIA_ROOT=/data/media

USER dvc
EXPOSE 8000

# Healthy when the home page (which reads the database) answers 200. It asks as the first ALLOWED_HOSTS
# name, over the TLS proxy's header, so neither the host check nor the HTTPS redirect gets in the way.
# Worker and beat containers replace this check (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz/', headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=4)"

# More load: more --workers here, or more web containers behind the proxy (same PostgreSQL and Redis).
CMD ["gunicorn", "dvc_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
