#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests, GNU gettext for the catalog check,
# fonts with Vietnamese glyphs. Installs what is missing when it can (root with apt-get); otherwise
# says what is missing, and the tests that need it report themselves as skipped with the reason.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v xgettext >/dev/null 2>&1 || need+=(gettext)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "could not install ${need[*]}: the tests that need them will be skipped"
else
  echo "missing Debian packages (install them as root): ${need[*]}"
fi
exit 0
