#!/usr/bin/env bash
# Debian packages the portal needs: Tesseract with Vietnamese and Ghostscript for OCR of scanned documents,
# fonts with Vietnamese glyphs. With --test also what the tests need: Chromium for the browser tests,
# GNU gettext for the catalog check, poppler-utils to render PDFs.
# Installs what is missing when it can (root with apt-get); otherwise says what is missing: digitizations
# then fail with a message saying OCR is not installed, and the tests that need a tool report themselves
# as skipped with the reason.
set -u
need=()
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata 2>/dev/null)" ] || need+=(tesseract-ocr-vie)
command -v gs >/dev/null 2>&1 || need+=(ghostscript)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v xgettext >/dev/null 2>&1 || need+=(gettext)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "could not install ${need[*]}: what needs them will fail or be skipped, saying why"
else
  echo "missing Debian packages (install them as root): ${need[*]}"
fi
exit 0
