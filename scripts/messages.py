"""Extract and compile the translation catalogs (needs GNU gettext).

Each app keeps its own catalog in ``<app>/locale`` (its code and its templates); the project's own
templates and settings use ``locale/``. Source strings are English; Vietnamese is the default language.

    python scripts/messages.py            # update every vi catalog, then compile them
    python scripts/messages.py --check    # exit 1 if a catalog misses a string of the code, or is untranslated
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "procedures", "cases", "digitization", "satisfaction", "integrations", "mock_portal"]
LANGUAGE = "vi"


def catalogs() -> list[tuple[Path, Path, list[str]]]:
    """(source folder, locale folder, extra ignore patterns) for the project and each app."""
    project_ignores = [*APPS, ".venv", "var", "tests", "bench", "scripts", "docs", "static"]
    return [(ROOT, ROOT / "locale", project_ignores)] + [(ROOT / app, ROOT / app / "locale", ["tests"]) for app in APPS]


def _makemessages(source: Path, locale_dir: Path, ignores: list[str]) -> None:
    locale_dir.mkdir(exist_ok=True)
    env = {**os.environ, "DJANGO_ENV": "test"}
    # manage.py by path, so the app folder (whose selectors.py would shadow the standard library's)
    # is not on sys.path.
    args = [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", LANGUAGE, "--no-location", "--no-obsolete"]
    for pattern in ignores:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=source, env=env, check=True, capture_output=True)


def _po(locale_dir: Path) -> Path:
    return locale_dir / LANGUAGE / "LC_MESSAGES" / "django.po"


def has_strings(po_path: Path) -> bool:
    return po_path.exists() and len(polib.pofile(str(po_path))) > 0


def update() -> None:
    for source, locale_dir, ignores in catalogs():
        _makemessages(source, locale_dir, ignores)
        po_path = _po(locale_dir)
        if not has_strings(po_path):
            shutil.rmtree(locale_dir, ignore_errors=True)
            continue
        po = polib.pofile(str(po_path))
        po.metadata["Language"] = LANGUAGE
        po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.save()
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        missing = len(po.untranslated_entries()) + len(po.fuzzy_entries())
        print(f"{po_path.relative_to(ROOT)}: {len(po)} strings, {missing} to translate")


def problems() -> list[str]:
    """What is wrong with the committed catalogs: strings missing, untranslated, fuzzy, or not compiled."""
    found = []
    for source, locale_dir, ignores in catalogs():
        po_path = _po(locale_dir)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "src"
            shutil.copytree(
                source, copy, ignore=shutil.ignore_patterns(*ignores, "locale", "__pycache__", "*.pyc", "node_modules")
            )
            _makemessages(copy, copy / "locale", [])
            fresh_path = _po(copy / "locale")
            fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(fresh_path))} if fresh_path.exists() else set()
        committed = polib.pofile(str(po_path)) if po_path.exists() else []
        known = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
        rel = po_path.relative_to(ROOT)
        for _ctxt, msgid in sorted(fresh - known, key=str)[:20]:
            found.append(f"{rel}: not extracted yet: {msgid!r}")
        if not committed:
            continue
        for entry in committed.untranslated_entries():
            found.append(f"{rel}: untranslated: {entry.msgid!r}")
        for entry in committed.fuzzy_entries():
            found.append(f"{rel}: fuzzy: {entry.msgid!r}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{rel}: not compiled (run make messages)")
        else:
            mo = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.mofile(str(mo_path))}
            for entry in committed.translated_entries():
                got = mo.get((entry.msgctxt, entry.msgid))
                if got != (entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))):
                    found.append(f"{rel}: compiled catalog is stale for {entry.msgid!r} (run make messages)")
                    break
    return found


if __name__ == "__main__":
    if "--check" in sys.argv:
        issues = problems()
        print("\n".join(issues) or "translation catalogs are complete")
        sys.exit(1 if issues else 0)
    update()
