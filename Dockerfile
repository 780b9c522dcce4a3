# One image for every Boxoffice process; docker-compose.yml picks the process with `command`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY gateway/package.json gateway/
COPY services/users/package.json services/users/
COPY services/events/package.json services/events/
COPY services/tickets/package.json services/tickets/
# Dev dependencies stay: the processes run TypeScript through tsx, as `npm start` does.
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
USER node
CMD ["node", "--import", "tsx", "gateway/src/server.ts"]
