#!/usr/bin/env bash
# `task deploy`: apply chirp's manifests to the cluster kubectl points at (docs/deploy.md).
# Needs kubectl, the operators and Knative installed (see the doc), and images in a registry
# the cluster can pull from (IMAGE_REGISTRY; `task images` builds them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v kubectl >/dev/null || { echo "kubectl is needed (docs/deploy.md)" >&2; exit 1; }
kubectl version --request-timeout=5s >/dev/null || { echo "no cluster reachable" >&2; exit 1; }

registry="${IMAGE_REGISTRY:-ghcr.io/chirp}"
tag="${IMAGE_TAG:-latest}"

echo "== checking the manifests offline"
.venv/bin/python -m scripts.manifests

echo "== namespace, configuration and secrets"
kubectl apply -f knative/config/namespace.yaml
kubectl apply -f knative/config/
secret() {  # create a Secret once; never overwrite one that exists
  local name="$1"; shift
  kubectl -n chirp get secret "$name" >/dev/null 2>&1 && return 0
  kubectl -n chirp create secret generic "$name" "$@"
}
minio_user="${MINIO_ROOT_USER:-chirp}"
minio_password="${MINIO_ROOT_PASSWORD:-$(openssl rand -hex 24)}"
secret chirp-secrets --from-literal=jwt-secret="${JWT_SECRET:-$(openssl rand -base64 48)}" \
  --from-literal=minio-access-key="$minio_user" --from-literal=minio-secret-key="$minio_password"
secret chirp-media-env --from-literal=config.env="export MINIO_ROOT_USER=$minio_user
export MINIO_ROOT_PASSWORD=$minio_password"
if ! kubectl -n chirp get secret chirp-tls >/dev/null 2>&1; then
  host="${CHIRP_HOST:-chirp.localhost}"
  .venv/bin/python -c "from functions.local.tls import ensure_dev_certificates as e; from pathlib import Path; e(Path('.local/tls'))"
  kubectl -n chirp create secret tls chirp-tls --cert=.local/tls/localhost.pem --key=.local/tls/localhost-key.pem
  echo "   chirp-tls: the development certificate (replace it for $host in production)"
fi

echo "== backing services (operator resources)"
kubectl apply -f knative/infra/
kubectl -n chirp wait --for=condition=Ready cluster.postgresql.cnpg.io/chirp-pg --timeout=600s

echo "== migrations"
kubectl -n chirp delete job chirp-migrate --ignore-not-found
sed "s|ghcr.io/chirp/\([a-z-]*\):latest|$registry/\1:$tag|" knative/jobs/migrate.yaml | kubectl apply -f -
kubectl -n chirp wait --for=condition=complete job/chirp-migrate --timeout=300s

echo "== functions, events, gateway, network policies"
for f in knative/serving/*.yaml knative/eventing/*.yaml; do
  sed "s|ghcr.io/chirp/\([a-z-]*\):latest|$registry/\1:$tag|" "$f" | kubectl apply -f -
done
kubectl apply -f gateway/
kubectl apply -f knative/network/
kubectl -n chirp wait --for=condition=Ready ksvc --all --timeout=300s
echo "chirp is deployed; the gateway address: kubectl -n chirp get gateway chirp"
