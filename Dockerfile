# syntax=docker/dockerfile:1
# Build: a static binary with everything embedded (migrations, templates, fonts).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tranche ./cmd/tranche

# Run: a small image without a shell, as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tranche /usr/local/bin/tranche
USER nonroot:nonroot
EXPOSE 8080
ENV TRANCHE_ADDR=:8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD ["/usr/local/bin/tranche", "health", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/usr/local/bin/tranche"]
CMD ["serve"]
