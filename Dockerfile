# One image for every service; the command picks which (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gen ./gen
COPY services ./services
RUN pip install --no-cache-dir .
ENV PYTHONUNBUFFERED=1
USER nobody
CMD ["python", "-m", "services.manager"]
