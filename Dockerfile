# syntax=docker/dockerfile:1
# prebook API image: `docker build -t prebook .`, then see compose.yaml and docs/deploy.md.
ARG PYTHON_VERSION=3.11

# --- build: a virtualenv with the pinned dependencies and prebook installed from /app -------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first (read from pyproject.toml), so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
COPY README.md aerich.ini ./
COPY api ./api
COPY schema ./schema
COPY models ./models
COPY jobs ./jobs
COPY booking ./booking
COPY localqstash ./localqstash
COPY fakebox ./fakebox
COPY migrations ./migrations
# Editable: the migrations are found next to the packages, so the code stays in /app.
RUN pip install --no-deps -e . && python -m compileall -q /app

# --- runtime: the virtualenv and the code, run by an unprivileged user ----------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PREBOOK_ENV=production \
    PREBOOK_HOST=0.0.0.0 \
    PREBOOK_PORT=8000 \
    PREBOOK_WORKERS=1 \
    PREBOOK_DATA_DIR=/data
RUN groupadd --system --gid 10001 prebook \
    && useradd --system --uid 10001 --gid prebook --home-dir /app --shell /usr/sbin/nologin prebook \
    && mkdir -p /data && chown prebook:prebook /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER prebook:prebook
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PREBOOK_PORT', '8000'), timeout=4)" || exit 1
# The documented start command (README, docs/deploy.md): it applies the migrations, then
# serves PREBOOK_WORKERS workers on PREBOOK_PORT. tests/api/test_container_command.py runs it.
CMD ["prebook", "serve"]
