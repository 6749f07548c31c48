FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY fleet fleet
COPY routing routing
COPY telematics telematics
COPY ledger ledger
COPY maintenance maintenance
COPY market market
COPY notifications notifications
COPY reports reports
COPY worker worker
COPY operations operations
COPY api api
COPY cli cli
COPY devtools devtools
COPY migrations migrations
COPY deploy deploy
RUN pip install --no-cache-dir . && useradd --system --uid 10001 coopfleet
USER coopfleet
EXPOSE 8000
CMD ["coopfleet", "api", "--host", "0.0.0.0", "--port", "8000"]
