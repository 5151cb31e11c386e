# One image, three process roles chosen by APP_ROLE (api | worker | scheduler | all): docs/DOCKER.md.
# Base: Node 20.20.2, the runtime the test suite runs on (STACK.md). The digest is that tag's multi-arch index
# (amd64 and arm64 alike), so a rebuild cannot silently change the base.

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci installs exactly the lockfile and fails if it disagrees with package.json. --ignore-scripts matches
# package.json's allowScripts (no install script approved); the native modules ship prebuilt binaries.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
# postgresql-client-15: pg_dump/pg_restore/pg_basebackup of the platform server's major (bookworm ships 15).
# postgresql-15: the server binaries (postgres, pg_ctl) point-in-time recoveries replay WAL with (docs/PITR.md); the
# createcluster.d setting stops the package from creating a cluster nobody runs.
# git: fallback for the commit recorded in disaster backups when GIT_COMMIT is unset.
# tini: PID 1 that forwards SIGTERM and reaps child processes (pg_dump, pg_restore), which node as PID 1 does not.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/tenantvault.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 postgresql-15 git ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# A 4 MiB young generation (V8's default grows to 16 MiB) keeps a backup's peak memory lower at the same speed
# (docs/BENCHMARKS.md); npm start passes the same flag.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=4 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    TENANTVAULT_DATA_DIR=/var/lib/tenantvault \
    LOCAL_STORAGE_PATH=/var/lib/tenantvault/backups
# The code stays root-owned, read-only to the service; the only writable place is the data directory
# (a named volume mounted there inherits this ownership).
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/tenantvault && chown node:node /var/lib/tenantvault
# node: the unprivileged user (uid 1000) the base image provides.
USER node
# Late, so that a new commit only rebuilds the layers below.
ARG GIT_COMMIT
ENV GIT_COMMIT=${GIT_COMMIT}
EXPOSE 3000
# Liveness of the HTTP roles (api, all). Slim images have no curl: node's own fetch does the request.
# worker and scheduler serve no HTTP: docker-compose.yml overrides this check for them (docs/DOCKER.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The service only. Migrations are a separate step, run once per release: node dist/src/cli.js migrate
CMD ["node", "dist/src/main.js"]
