# Portico's container image: `portico serve` on port 8080, as a non-root user, on a read-only root file system.
#   docker build -t portico .
#   docker run --rm -p 8080:8080 --read-only -v "$PWD/portico.json:/config/portico.json:ro" portico
# docs/deployment.md#container-image has the full story (settings, secrets, health check, what was verified).
# The base images are build arguments, so a mirror or a hardened base can stand in for them.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
# The program is self-contained (the runtime and ASP.NET Core are inside it), so the runtime stage needs only the
# runtime's native dependencies.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
# The platform the ReadyToRun code is compiled for (linux-arm64 for an Arm image).
ARG RID=linux-x64

FROM ${SDK_IMAGE} AS build
ARG RID
WORKDIR /src
# Restore first, from the project files alone, so the layer is reused until a dependency changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Portico/Portico.csproj src/Portico/
COPY src/Portico.Cli/Portico.Cli.csproj src/Portico.Cli/
RUN dotnet restore src/Portico.Cli/Portico.Cli.csproj -r ${RID} -p:SelfContained=true
COPY src/Portico/ src/Portico/
COPY src/Portico.Cli/ src/Portico.Cli/
COPY samples/demo/portico.json samples/demo/
# Self-contained, ReadyToRun in one composite image with the framework (the project's publish defaults): precompiled
# code, so start-up does not wait for the JIT (docs/performance.md, "Start-up (2026-12-05, seventh round)").
RUN dotnet publish src/Portico.Cli/Portico.Cli.csproj -c Release -r ${RID} --self-contained true -o /app --no-restore

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
# Nothing is written at run time: no diagnostics IPC socket or perf map in /tmp, no first-run files in $HOME.
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_NOLOGO=1 \
    DOTNET_gcServer=1
EXPOSE 8080
# The .NET images' unprivileged user (APP_UID, 1654); a numeric id so Kubernetes' runAsNonRoot can check it.
USER 1654
# The image has no curl: the command itself asks the readiness endpoint (exit code 0 when ready).
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
    CMD ["/app/Portico.Cli", "health", "--url", "http://127.0.0.1:8080"]
ENTRYPOINT ["/app/Portico.Cli"]
# DB-less by default: the registry file mounted at /config/portico.json. For Table mode, pass another command:
#   serve --storage https://ACCOUNT.table.core.windows.net --urls http://0.0.0.0:8080
CMD ["serve", "--config", "/config/portico.json", "--urls", "http://0.0.0.0:8080"]
