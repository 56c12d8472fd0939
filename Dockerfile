# syntax=docker/dockerfile:1
# The Splits API image: the project with its `server` extra (uWSGI) in a virtualenv, run by
# uWSGI (uwsgi.ini) as an unprivileged user. docker-compose.yml builds it for the `migrate` and
# `api` services; nginx/Dockerfile is the proxy in front.
#
#   docker build -t splits-api .

# --- build: compile what needs a compiler (uWSGI) into /venv -----------------------------------
FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /app
# Dependencies first, from pyproject.toml alone: this slow layer (uWSGI compiles) is rebuilt
# only when the dependencies change, not on every code change.
COPY pyproject.toml ./
RUN python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
print("\n".join(p["dependencies"] + p["optional-dependencies"]["server"]))' >/tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
# The project itself, installed in place (editable): the app finds its migrations, JSON schemas
# and static files next to its packages (/app/alembic, /app/schemas), as in a checkout.
COPY README.md alembic.ini uwsgi.ini ./
COPY alembic ./alembic
COPY schemas ./schemas
COPY api ./api
COPY dao ./dao
COPY domain ./domain
COPY models ./models
COPY resources ./resources
COPY seeding ./seeding
RUN pip install --no-deps -e ".[server]" \
    && python -m compileall -q api dao domain models resources seeding alembic

# --- runtime: no compiler, no pip cache, not root -------------------------------------------
FROM python:3.11-slim
# Same base image as the build stage, so /venv's interpreter links and uWSGI's libpython match.
RUN groupadd --system --gid 10001 splits \
    && useradd --system --uid 10001 --gid splits --home-dir /app --shell /usr/sbin/nologin splits
COPY --from=build /venv /venv
# Code owned by root and read-only to the app user: a compromised worker cannot rewrite it.
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPLITS_ENV=production \
    LOG_FORMAT=json \
    SPLITS_VIRTUALENV=/venv \
    SPLITS_SOCKET=0.0.0.0:3031 \
    SPLITS_HTTP_SOCKET=127.0.0.1:8081
USER splits
# 3031: the uwsgi-protocol socket nginx talks to. 8081 (loopback inside the container) is only
# for the health check below.
EXPOSE 3031
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/health', timeout=2)"]
# uwsgi.ini turns SIGTERM into a graceful stop (in-flight requests finish, up to 30 s).
STOPSIGNAL SIGTERM
CMD ["uwsgi", "--ini", "/app/uwsgi.ini"]
