"""The deployment files agree with the code: docker-compose.yml, Dockerfile, .env.example and production settings.

No Docker engine runs here, so these tests read the files and check each name they use against the code,
then run the image's own commands (collectstatic, migrate, gunicorn, the healthcheck) on this machine.
"""

import ast
import http.client
import importlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "dvc_portal" / "settings.py"
MOCK_PORTAL_SETTINGS = ROOT / "mock_portal" / "settings.py"  # the mock national portal's own process
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"

PORTAL_SERVICES = {"migrate", "web", "worker", "beat"}
LONG_RUNNING = {"postgres", "redis", "web", "worker", "beat"}
ENV_METHODS = {
    "str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "path", "db", "db_url", "cache",
    "cache_url", "email", "email_url", "search_url", "bytes", "parse_value", "get_value", "__call__",
}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


# --- Reading the files -------------------------------------------------------------------------------


def settings_variables(path: Path = SETTINGS) -> set[str]:
    """Names of the environment variables a settings file reads: env.<type>("NAME", ...), env("NAME"),
    os.environ["NAME"], os.environ.get("NAME"), os.getenv("NAME"). A read whose name is not a literal
    fails here, because nothing could then check it against .env.example."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        name_node = None
        if isinstance(node, ast.Call):
            func = node.func
            is_env = (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
                and func.attr in ENV_METHODS
            ) or (isinstance(func, ast.Name) and func.id == "env")
            is_os = isinstance(func, ast.Attribute) and (
                (func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os")
                or (func.attr == "get" and ast.unparse(func.value) in {"os.environ", "environ"})
            )
            if (is_env or is_os) and node.args:
                name_node = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in {"os.environ", "env"}:
            name_node = node.slice
        if name_node is None:
            continue
        assert isinstance(name_node, ast.Constant) and isinstance(name_node.value, str), (
            f"settings.py line {node.lineno} reads an environment variable whose name is not a literal"
        )
        names.add(name_node.value)
    return names


def env_example_entries() -> dict[str, list[str]]:
    """Each variable of .env.example (set or commented out) with the comment lines just above it."""
    entries: dict[str, list[str]] = {}
    comments: list[str] = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]*)=", line)
        if match:
            entries.setdefault(match.group(1), list(comments))
        elif line.startswith("#"):
            comments.append(line)
        else:
            comments = []
    return entries


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def interpolate(value: str, values: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}, resolved from ``values``."""

    def replace(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name in values:
            return values[name]
        if op in (":-", "-"):
            return arg
        raise KeyError(f"${{{name}}} has no value and no default")

    return INTERPOLATION.sub(replace, value)


def compose_variables() -> set[str]:
    return {m["name"] for m in INTERPOLATION.finditer(COMPOSE.read_text())}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")
    ))
    out = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            out.append((instruction.upper(), args.strip()))
    return out


def dockerfile(instruction: str) -> list[str]:
    return [args for name, args in dockerfile_instructions() if name == instruction]


def dockerfile_env() -> dict[str, str]:
    env = {}
    for args in dockerfile("ENV"):
        for token in shlex.split(args):
            key, _, value = token.partition("=")
            env[key] = value
    return env


def command(service: str) -> list[str]:
    cmd = compose()["services"][service]["command"]
    return cmd if isinstance(cmd, list) else shlex.split(cmd)


def import_target(target: str):
    """``package.module:attribute`` → the object."""
    module, _, attribute = target.partition(":")
    assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), f"{module} is not a module of this repo"
    return getattr(importlib.import_module(module), attribute)


def clean_environment(**values: str) -> dict[str, str]:
    """This process's environment without any variable the settings read (CI sets DATABASE_URL and
    REDIS_URL, a developer may set DEBUG) or Django heeds, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if k not in settings_variables()}
    # Set inside this test process by the browser tests (Playwright); a deployment never has it, and
    # `check --deploy` rightly refuses it (async.E001).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(values)
    return env


# --- docker-compose.yml --------------------------------------------------------------------------------


def test_compose_has_every_service():
    assert set(compose()["services"]) >= {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_portal_services_run_the_image_built_from_this_repo():
    services = compose()["services"]
    images = set()
    for name in PORTAL_SERVICES:
        build = services[name]["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        assert (ROOT / context / "Dockerfile").resolve() == DOCKERFILE
        images.add(services[name]["image"])
    assert len(images) == 1, f"the portal's services should share one image, not {images}"


def test_web_runs_gunicorn_on_the_wsgi_application():
    cmd = command("web")
    assert cmd[0] == "gunicorn"
    targets = [arg for arg in cmd[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", arg)]
    assert len(targets) == 1, cmd
    application = import_target(targets[0])
    assert callable(application)
    bind = cmd[cmd.index("--bind") + 1]
    container_port = bind.rpartition(":")[2]
    published = [str(p).rpartition(":")[2] for p in compose()["services"]["web"]["ports"]]
    assert published == [container_port]
    assert container_port in dockerfile("EXPOSE")


def test_web_command_is_the_image_default():
    """`docker run dvc-portal` serves the same way compose's web does."""
    assert json.loads(dockerfile("CMD")[-1]) == command("web")


@pytest.mark.parametrize(("service", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_services_use_the_project_app(service, subcommand):
    from celery.app.utils import find_app

    import dvc_portal.celery

    cmd = command(service)
    assert cmd[:2] == ["celery", "-A"]
    # The lookup the celery command line does for -A.
    assert find_app(cmd[2]) is dvc_portal.celery.app
    assert cmd[3] == subcommand


def test_beat_schedules_only_tasks_that_exist():
    from django.conf import settings

    import dvc_portal.celery

    app = dvc_portal.celery.app
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled, "beat runs with nothing to schedule"
    assert scheduled <= set(app.tasks), f"scheduled but not registered: {scheduled - set(app.tasks)}"


def test_migrate_runs_once_before_the_rest():
    services = compose()["services"]
    cmd = command("migrate")
    assert cmd[:3] == ["python", "manage.py", "migrate"] and "--noinput" in cmd
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name


def test_services_wait_for_what_they_use():
    services = compose()["services"]
    wanted = {
        "migrate": {"postgres": "service_healthy"},
        "web": {"postgres": "service_healthy", "redis": "service_healthy"},
        "worker": {"postgres": "service_healthy", "redis": "service_healthy"},
        "beat": {"redis": "service_healthy"},
    }
    for name, dependencies in wanted.items():
        for dependency, condition in dependencies.items():
            assert services[name]["depends_on"][dependency]["condition"] == condition, (name, dependency)
    # service_healthy waits forever on a service that has no healthcheck.
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            if spec.get("condition") == "service_healthy":
                check = services[dependency].get("healthcheck", {})
                assert check.get("test") and not check.get("disable"), f"{name} waits on {dependency}'s health"


def test_healthchecks_fit_each_container():
    """The image's healthcheck asks gunicorn; worker and beat containers must not inherit it."""
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "healthcheck" not in services["web"], "web keeps the Dockerfile's healthcheck"
    worker_check = " ".join(services["worker"]["healthcheck"]["test"])
    assert "celery -A dvc_portal inspect ping" in worker_check
    assert services["beat"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["healthcheck"] == {"disable": True}


def test_portal_services_set_only_variables_the_settings_read():
    read = settings_variables()
    documented = set(env_example_entries())
    for name in PORTAL_SERVICES:
        environment = compose()["services"][name]["environment"]
        assert set(environment) <= read, f"{name} sets {set(environment) - read}, which settings.py never reads"
        assert set(environment) <= documented, f"{name} sets {set(environment) - documented}, not in .env.example"


def test_portal_services_run_production_settings_with_a_required_secret():
    for name in PORTAL_SERVICES:
        environment = compose()["services"][name]["environment"]
        assert environment["DJANGO_ENV"] == "production"
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"]), "no default secret"
        assert "DEBUG" not in environment
        interpolate(environment["ALLOWED_HOSTS"], {})  # has a default: a first start needs no more


def test_database_url_points_at_the_postgres_service():
    services = compose()["services"]
    postgres = services["postgres"]["environment"]
    values = {"POSTGRES_PASSWORD": "s3cret-value"}
    for name in PORTAL_SERVICES:
        config = environ.Env.db_url_config(interpolate(services[name]["environment"]["DATABASE_URL"], values))
        assert config["ENGINE"] == "django.db.backends.postgresql"
        assert config["HOST"] == "postgres"
        assert config["PORT"] in (5432, "", None)
        assert config["NAME"] == postgres["POSTGRES_DB"]
        assert config["USER"] == postgres["POSTGRES_USER"]
        assert config["PASSWORD"] == interpolate(postgres["POSTGRES_PASSWORD"], values)


def test_redis_url_points_at_the_redis_service():
    for name in PORTAL_SERVICES:
        url = urlsplit(interpolate(compose()["services"][name]["environment"]["REDIS_URL"], {}))
        assert (url.scheme, url.hostname, url.port or 6379) == ("redis", "redis", 6379)


def test_web_and_worker_share_the_media_volume():
    data = compose()
    mounts = {}
    for name in ("web", "worker"):
        media_root = data["services"][name]["environment"]["MEDIA_ROOT"]
        volumes = [v.split(":") for v in data["services"][name]["volumes"]]
        mounts[name] = {source for source, target, *_ in volumes if target == media_root}
        assert len(mounts[name]) == 1, f"{name} has no volume at MEDIA_ROOT={media_root}"
    assert mounts["web"] == mounts["worker"]
    assert mounts["web"] <= set(data["volumes"]), "the media volume is a named volume"
    assert dockerfile_env()["MEDIA_ROOT"] == data["services"]["web"]["environment"]["MEDIA_ROOT"]


def test_long_running_services_restart():
    services = compose()["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] in {"always", "unless-stopped"}, name


def test_compose_variables_are_documented():
    documented = set(env_example_entries())
    assert compose_variables() <= documented, compose_variables() - documented


# --- .env.example ----------------------------------------------------------------------------------------


def test_env_example_lists_exactly_what_is_read():
    """Every variable the settings read (the portal's and the mock national portal's), plus those
    docker-compose.yml interpolates; nothing else."""
    documented = set(env_example_entries())
    read = settings_variables() | settings_variables(MOCK_PORTAL_SETTINGS)
    assert read - documented == set(), "read by settings.py but missing from .env.example"
    assert documented - read - compose_variables() == set(), "in .env.example but read by nothing"


def test_env_example_says_what_each_variable_does_and_its_default():
    for name, comments in env_example_entries().items():
        text = " ".join(comments)
        assert "Default:" in text, f"{name}: no default given"
        assert len([c for c in comments if "Default:" not in c]) >= 1, f"{name}: not described"


def test_the_settings_parser_finds_reads():
    """The parser above must see the reads it is meant to see, or the two tests before prove nothing."""
    read = settings_variables()
    assert {"DJANGO_ENV", "SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "EMAIL_URL"} <= read
    assert {"MOCK_PORTAL_TOKEN", "MOCK_PORTAL_DATABASE_URL"} <= settings_variables(MOCK_PORTAL_SETTINGS)


def test_the_mock_portal_service_runs_its_own_settings_with_the_portal_s_token():
    services = compose()["services"]
    mock = services["mock-portal"]
    environment = mock["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "mock_portal.settings"
    assert set(environment) - {"DJANGO_SETTINGS_MODULE"} <= settings_variables(MOCK_PORTAL_SETTINGS)
    assert environment["MOCK_PORTAL_TOKEN"] == services["web"]["environment"]["NATIONAL_PORTAL_TOKEN"]
    url = urlsplit(interpolate(services["web"]["environment"]["NATIONAL_PORTAL_URL"], {}))
    assert (url.hostname, url.port) == ("mock-portal", 8100)
    assert "mock_portal.wsgi:application" in " ".join(mock["command"]) and "0.0.0.0:8100" in " ".join(mock["command"])
    database = environ.Env.db_url_config(environment["MOCK_PORTAL_DATABASE_URL"])["NAME"]
    mounts = {target: source for source, target, *_ in (v.split(":") for v in mock["volumes"])}
    assert str(Path(database).parent) in mounts, "its database lives in its own volume"
    assert mock["healthcheck"]["test"] and "8100" in " ".join(mock["healthcheck"]["test"])


# --- Dockerfile ----------------------------------------------------------------------------------------


def test_dockerfile_uses_the_python_the_project_requires():
    assert dockerfile("FROM")[0] == "python:3.11-slim"
    assert 'requires-python = ">=3.11,<3.12"' in (ROOT / "pyproject.toml").read_text()


def test_dockerfile_installs_the_pinned_runtime_requirements():
    assert "requirements/base.txt requirements/base.txt" in dockerfile("COPY")
    assert any(re.search(r"pip install\b.*-r requirements/base\.txt", run) for run in dockerfile("RUN"))
    assert not any("requirements/dev.txt" in run for run in dockerfile("RUN")), "test tools stay out of the image"


def test_dockerfile_copies_only_what_exists():
    for args in dockerfile("COPY"):
        source = args.split()[0]
        assert (ROOT / source).exists(), f"COPY {source}: no such path"


def test_dockerfile_entrypoint_serves_the_wsgi_application():
    assert not dockerfile("ENTRYPOINT")
    cmd = json.loads(dockerfile("CMD")[-1])
    assert cmd[0] == "gunicorn"
    assert callable(import_target(cmd[1]))


def test_dockerfile_collects_static_files_without_keeping_a_secret():
    runs = [run for run in dockerfile("RUN") if "collectstatic" in run]
    assert len(runs) == 1 and "DJANGO_ENV=production" in runs[0] and "SECRET_KEY=" in runs[0]
    env = dockerfile_env()
    assert "SECRET_KEY" not in env and "DEBUG" not in env
    settings_env = {k for k in env if not k.startswith(("PYTHON", "PIP_"))}
    assert settings_env <= settings_variables(), settings_env - settings_variables()


def test_dockerfile_runs_as_an_unprivileged_user():
    instructions = [name for name, _ in dockerfile_instructions()]
    users = dockerfile("USER")
    assert users and users[-1] not in {"root", "0"}
    assert instructions.index("USER") < instructions.index("CMD")


def test_dockerfile_installs_the_fonts_for_printed_forms():
    assert any("fonts-dejavu-core" in run for run in dockerfile("RUN"))


def test_dockerignore_keeps_secrets_and_local_data_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".git", ".venv", "var"} <= ignored


# --- Production settings, as a fresh process sees them ---------------------------------------------------

# The settings also read a .env at the top of the checkout; a developer's .env must not decide these tests.
TEST_SECRET = "a-test-only-secret-key-long-and-varied-enough-for-check-deploy-0123456789"
NO_DOTENV = "import environ; environ.Env.read_env = lambda *args, **kwargs: None; "


def run_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NO_DOTENV + "import django; django.setup(); " + code],
        cwd=ROOT, env=clean_environment(DJANGO_SETTINGS_MODULE="dvc_portal.settings", **env),
        capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings("print('started')", DJANGO_ENV="production", ALLOWED_HOSTS="portal.example.test")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
    assert "started" not in result.stdout


def test_production_is_the_default_environment():
    result = run_settings("print('started')", ALLOWED_HOSTS="portal.example.test")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_an_unknown_environment_is_refused():
    result = run_settings("print('started')", DJANGO_ENV="staging", SECRET_KEY="x" * 50)
    assert result.returncode != 0 and "DJANGO_ENV" in result.stderr


def test_production_defaults_are_secure():
    code = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'DEBUG': s.DEBUG, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
        "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
        "'LANGUAGE_COOKIE': [s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE],"
        "'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS, 'STATIC': s.STORAGES['staticfiles']['BACKEND'],"
        "'EAGER': s.CELERY_TASK_ALWAYS_EAGER}))"
    )
    result = run_settings(code, DJANGO_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="portal.example.test")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["portal.example.test"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["LANGUAGE_COOKIE"] == [True, "Lax"]  # the language cookie too (it had neither)
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert values["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["EAGER"] is True, "without REDIS_URL, tasks run in-process"

    with_redis = run_settings(
        code, DJANGO_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="h", REDIS_URL="redis://redis:6379/0"
    )
    assert json.loads(with_redis.stdout.strip().splitlines()[-1])["EAGER"] is False, "with Redis, workers run tasks"


def test_production_passes_djangos_deployment_checks():
    check = "from django.core.management import call_command; call_command('check', deploy=True, fail_level='ERROR')"
    result = run_settings(check, DJANGO_ENV="production", SECRET_KEY=TEST_SECRET, ALLOWED_HOSTS="portal.example.test")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    warnings = set(re.findall(r"\((\w+\.W\d+)\)", output))
    # W021 (HSTS preload) is a decision for the province's domain, not for the code.
    assert warnings <= {"security.W021"}, output


# --- The image's commands, run on this machine -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthcheck_command(port: int) -> list[str]:
    check = dockerfile("HEALTHCHECK")[0]
    argv = shlex.split(check.partition(" CMD ")[2])
    assert argv[0] == "python"
    return [sys.executable, *(arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in argv[1:])]


@pytest.mark.slow
def test_the_image_commands_serve_the_portal(tmp_path):
    """collectstatic as the build runs it, migrate as compose runs it, gunicorn as the image runs it;
    then the image's healthcheck passes while gunicorn serves, and fails once it is gone."""
    port = free_port()
    env = clean_environment(
        SECRET_KEY=TEST_SECRET,
        ALLOWED_HOSTS="portal.example.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    env.pop("DJANGO_ENV", None)
    env.update({k: v for k, v in dockerfile_env().items() if k in settings_variables() and k != "MEDIA_ROOT"})
    assert env["DJANGO_ENV"] == "production"

    build = next(run for run in dockerfile("RUN") if "collectstatic" in run)
    build_env = dict(env)
    words = shlex.split(build)
    while "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        build_env[key] = value
    assert words[:2] == ["python", "manage.py"]
    subprocess.run([sys.executable, *words[1:]], cwd=ROOT, env=build_env, check=True, capture_output=True, timeout=180)
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    migrate = command("migrate")
    subprocess.run([sys.executable, *migrate[1:]], cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)

    cmd = json.loads(dockerfile("CMD")[-1])
    bind = cmd.index("--bind") + 1
    cmd[bind] = f"127.0.0.1:{port}"
    cmd[cmd.index("--workers") + 1] = "1"
    log_path = tmp_path / "gunicorn.log"
    check = healthcheck_command(port)
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", *cmd], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30)
            # Retry only while gunicorn is starting (nothing answers yet); an HTTP error is an answer.
            starting = "HTTP Error" not in result.stderr
            if result.returncode == 0 or not starting or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.5)
        assert result.returncode == 0, result.stderr + log_path.read_text()

        # Plain HTTP is sent to HTTPS; an unknown host is refused.
        status, headers, _ = get(port, "/", host="portal.example.test", https=False)
        assert status == 301 and headers["Location"].startswith("https://portal.example.test/")
        assert get(port, "/", host="evil.example")[0] == 400
        # The page links its stylesheet fingerprinted, and whitenoise serves it.
        status, _, page = get(port, "/", host="portal.example.test")
        assert status == 200
        css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page)
        assert css, "the page links the fingerprinted stylesheet"
        assert get(port, css[1], host="portal.example.test")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert subprocess.run(check, env=env, capture_output=True, timeout=30).returncode != 0, "a dead server is unhealthy"


def get(port: int, path: str, *, host: str, https: bool = True) -> tuple[int, dict[str, str], str]:
    """GET as the TLS proxy would forward it (``https``) or as a plain-HTTP client would; no redirects followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **({"X-Forwarded-Proto": "https"} if https else {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.mark.slow
def test_make_run_serves_thirty_parallel_requests_without_a_reset(tmp_path):
    """`make run` serves the portal with gunicorn (dvc_portal/gunicorn_local.py, as scripts/run.sh starts it):
    thirty clients at once all get an HTTP answer (runserver's listen queue of 10 reset three of them)."""
    import concurrent.futures

    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert "gunicorn dvc_portal.wsgi:application -c dvc_portal/gunicorn_local.py" in run_sh
    assert "runserver" not in run_sh.split("children+=")[-1]
    port = free_port()
    env = clean_environment(DJANGO_ENV="local", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                            HOST="127.0.0.1", PORT=str(port), DVC_RELOAD="0", MEDIA_ROOT=str(tmp_path / "media"))
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dvc_portal.wsgi:application", "-c", "dvc_portal/gunicorn_local.py"],
            cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:  # until a worker answers (Django loaded)
            try:
                if get(port, "/healthz/", host="127.0.0.1")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)

        def ask(_):
            try:
                return get(port, "/healthz/", host="127.0.0.1")[0]
            except OSError as error:  # a reset or a refusal: no HTTP answer
                return type(error).__name__

        with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(ask, range(30)))
        assert answers == [200] * 30, (answers, log_path.read_text()[-2000:])
    finally:
        server.terminate()
        server.wait(timeout=30)
