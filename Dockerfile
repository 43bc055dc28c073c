# The delivery bridge's image: one image, two processes (intake API, worker) chosen by command.
# Untested on a live Docker engine (none on the development machine); see docs/operations.md "Production".
# Node 24 (the LTS), minor pinned to the one `npm run test:node24` runs the tests on (24.22.x).

FROM node:24.22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Compiled JavaScript plus the workflow bundle, so workers start without bundling.
RUN npm run build && npx tsx scripts/bundle-workflows.ts dist/workflow-bundle.js

FROM node:24.22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The carrier's rate card (RATE_CARD_FILE); mount another over it.
COPY --from=build /app/config/rate-card.json ./config/rate-card.json
USER node
EXPOSE 3000 3001
# docker-compose picks the process: node dist/api/main.js | node dist/worker/main.js
CMD ["node", "dist/api/main.js"]
