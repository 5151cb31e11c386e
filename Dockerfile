# One image, three roles (APP_ROLE=api|worker|scheduler|all).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG GIT_COMMIT
ENV GIT_COMMIT=${GIT_COMMIT}
# pg_dump/pg_restore for disaster backups: bookworm ships 15, matching the platform server's major version.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
EXPOSE 3000
# Migrations are an explicit step before the service starts (never in onModuleInit).
CMD ["sh", "-c", "node dist/src/cli.js migrate && node dist/src/main.js"]
