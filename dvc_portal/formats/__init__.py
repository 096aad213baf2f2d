"""The portal's own date formats: one way to write a moment on every page, "24/11/2026 22:28" (day first, as
Vietnamese readers write it), whatever the language; Django's Vietnamese locale writes "22:28 24-11-2026"."""
