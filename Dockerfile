# 招商引资工作平台 — production image. Runs as a non-root user and migrates at start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2

RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app app \
    && mkdir -p /app /data && chown app:app /data

WORKDIR /app
COPY pyproject.toml alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN pip install --no-cache-dir . && chown -R root:root /app

USER app
VOLUME ["/data"]
EXPOSE 8000
# Asks /readyz (the database answers and the schema is at head) on the port the service listens on ($PORT);
# the start period covers the migrations the container runs before it serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=4).status == 200 else 1)"
# DATABASE_URL and SECRET_KEY come from the environment; production refuses unsafe settings.
CMD ["sh", "-c", "python -m app migrate && exec python -m app serve --host \"$HOST\" --port \"$PORT\" --workers \"$WORKERS\""]
