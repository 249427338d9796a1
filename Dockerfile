# The Django API, Celery worker and beat (one image, three commands; see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only-key-not-used-at-runtime-0123456789abcdef \
    BACKEND_URL=https://build.invalid FRONTEND_URL=https://build.invalid \
    JUKE_RUNTIME_ENV=production python manage.py collectstatic --no-input -v0
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && gunicorn settings.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-3} --timeout ${GUNICORN_TIMEOUT:-60}"]
