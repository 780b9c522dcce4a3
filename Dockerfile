# One image for every Boxoffice process; docker-compose.yml picks the process with `command`:
#   node gateway/src/server.js · node services/<users|events|tickets>/src/server.js · node scripts/migrate.js
#
# manifests → deps (npm ci, every dependency) → build (typecheck, compile TypeScript to JavaScript)
#                                                  └→ tools (sources + dev dependencies: the loadgen profile)
# manifests → prod-deps (npm ci --omit=dev) ─┐
#                       build's JavaScript ──┴→ runtime (the default target: no TypeScript, no dev deps, non-root)
# Why compiled JavaScript and not tsx at run time: docs/decisions/0003-compose-image-and-instance-discovery.md.
# No `# syntax=` line: it makes BuildKit fetch a frontend image from a registry before building,
# which offline and mirror-only builds cannot do; nothing here needs a newer syntax than the
# builder's own (tests/platform/compose-image.unit.test.ts keeps it that way).

ARG NODE_IMAGE=node:24-bookworm-slim

# Only the package manifests, so the npm ci layers are rebuilt when dependencies change, not code.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/tracing/package.json shared/tracing/
COPY shared/platform/package.json shared/platform/
COPY shared/sharding/package.json shared/sharding/
COPY shared/bus/package.json shared/bus/
COPY shared/cache/package.json shared/cache/
COPY shared/contracts/package.json shared/contracts/
COPY shared/reshard/package.json shared/reshard/
COPY shared/runtime/package.json shared/runtime/
COPY gateway/package.json gateway/
COPY services/users/package.json services/users/
COPY services/events/package.json services/events/
COPY services/tickets/package.json services/tickets/
COPY scripts/package.json scripts/

FROM manifests AS deps
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
# The same strict check as CI, then the processes' entry files (and all they import) into /app/dist.
RUN npm run typecheck && npx tsc -p deploy/tsconfig.build.json
# The topology page (/admin): static files built by Vite into gateway/admin-ui/dist.
RUN npm run build:admin

# The loadgen profile's image: load scripts run from TypeScript and need dev dependencies
# (autocannon, hdr-histogram-js). Never used for the system's own processes.
FROM build AS tools
RUN mkdir -p /app/results && chown node:node /app/results
USER node
CMD ["node", "--import", "tsx", "scripts/load.ts", "--help"]

FROM manifests AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The manifests with every node_modules folder, the workspaces' own included: a workspace whose
# dependency differs from the root's keeps it in <workspace>/node_modules (@boxoffice/cache's lru-cache 11).
COPY --from=prod-deps /app ./
# Workspace packages point `main` at src/index.ts for tsx and jest; here only the .js exists (the
# tooling, @boxoffice/devstack, is not imported here: only its migrate.js runs, from its path).
RUN npm pkg set main=src/index.js types=src/index.d.ts --workspaces >/dev/null
COPY --from=build /app/dist ./
COPY --from=build /app/gateway/admin-ui/dist ./gateway/admin-ui/dist
COPY deploy ./deploy
# Files stay root-owned and read-only to the process: nothing in /app is written at run time.
USER node
EXPOSE 8080 7101 7201 7301
CMD ["node", "gateway/src/server.js"]
