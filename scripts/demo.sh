#!/usr/bin/env bash
# `npm run demo` (after `npm ci`): migrate the local database, start ProTicket over HTTPS, load the demo data and keep
# the service running in the foreground (Ctrl-C stops it). Uses PostgreSQL at 127.0.0.1:5432 and Redis at
# 127.0.0.1:6379 unless DATABASE_URL/REDIS_URL say otherwise; without them: `docker compose up -d postgres redis`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] || { cp .env.example .env; echo "created .env from .env.example"; }
# .env is read by each process itself (dotenv), not sourced here: values may contain spaces and <>.

npm run -s migrate
node -r ts-node/register/transpile-only src/main.ts &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM EXIT
node -r ts-node/register/transpile-only scripts/seed-demo.ts || { echo "demo seed failed"; exit 1; }
wait $server
