# glific-reports: multi-stage build; the runtime image holds production code only (the compiled
# job from tsconfig.build.json, bin/, the templates and production dependencies) and runs as a
# non-root user. demo/, test/ and bench/ never reach the build context (.dockerignore), so the
# build also proves that production code does not import them.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && test -f dist/cli/main.js && ! test -e dist/demo && ! test -e dist/test && ! test -e dist/bench

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production REPORTS_OUTPUT_DIR=/data/output
WORKDIR /app
COPY package.json package-lock.json ./
# embedded-postgres serves the demo database of a checkout; it stays installed (a regular
# dependency) but is unused when GLIFIC_DATABASE_URL is set. `demo` says it is not in the image.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY templates ./templates
RUN useradd --system --uid 10001 --home-dir /app reports && mkdir -p /data/output && chown -R reports /data
USER reports
VOLUME ["/data"]
# Docker reserves exit code 2 in health checks; status exits 2 when a database is unreachable,
# which is unhealthy too.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s \
  CMD ["sh", "-c", "node bin/glific-reports.js status --json >/dev/null || exit 1"]
ENTRYPOINT ["node", "bin/glific-reports.js"]
CMD ["schedule"]
