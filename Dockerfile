# The Django API, Celery worker and beat (one image, three commands; see docker-compose.yml).
# Installs the runtime lock only (requirements/base.txt, hash-checked): no test or lint tools ship.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt
COPY . .
# collectstatic reads the production settings, which refuse to start degraded: placeholders that are never
# connected to stand in for the real services here.
RUN DJANGO_SECRET_KEY=collectstatic-only-key-not-used-at-runtime-0123456789abcdef \
    BACKEND_URL=https://build.invalid FRONTEND_URL=https://build.invalid DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build.invalid/juke CACHE_URL=redis://build.invalid:6379/0 \
    CELERY_BROKER_URL=redis://build.invalid:6379/0 \
    JUKE_RUNTIME_ENV=production python manage.py collectstatic --no-input -v0
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && gunicorn settings.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-3} --timeout ${GUNICORN_TIMEOUT:-60}"]
