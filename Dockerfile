# One image per function, all from this file:
#   docker build --build-arg FUNCTION=users -t ghcr.io/chirp/users:latest .
# (FUNCTION=outbox-relay builds the relay; its Deployment sets the command.)
# The container serves one function the way Knative runs it: plain HTTP/1.1 and h2c on
# $PORT (8080), TLS and HTTP/3 end at the gateway.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY functions ./functions
COPY events ./events
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
ARG FUNCTION
ENV FUNCTION_TARGET=${FUNCTION} \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    PORT=8080
COPY --from=build /venv /venv
# The manifests travel with the code: the local runner and the checks read them.
COPY knative /app/knative
COPY gateway /app/gateway
ENV CHIRP_MANIFESTS_ROOT=/app
USER 10001:10001
EXPOSE 8080
CMD ["sh", "-c", "exec python -m functions.serve --function \"$FUNCTION_TARGET\" --plain --host 0.0.0.0"]
