# Portico's container image: `portico serve` on port 8080, as a non-root user, on a read-only root file system.
#   docker build -t portico .
#   docker run --rm -p 8080:8080 --read-only -v "$PWD/portico.json:/config/portico.json:ro" portico
# docs/deployment.md#container-image has the full story (settings, secrets, health check, what was verified).
# The base images are build arguments, so a mirror or a hardened base can stand in for them.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
# The platform the ReadyToRun code is compiled for (linux-arm64 for an Arm image).
ARG RID=linux-x64

FROM ${SDK_IMAGE} AS build
ARG RID
WORKDIR /src
# Restore first, from the project files alone, so the layer is reused until a dependency changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Portico/Portico.csproj src/Portico/
COPY src/Portico.Cli/Portico.Cli.csproj src/Portico.Cli/
RUN dotnet restore src/Portico.Cli/Portico.Cli.csproj -r ${RID}
COPY src/Portico/ src/Portico/
COPY src/Portico.Cli/ src/Portico.Cli/
COPY samples/demo/portico.json samples/demo/
# ReadyToRun (set in the project for every publish): precompiled code, so start-up does not wait for the JIT.
RUN dotnet publish src/Portico.Cli/Portico.Cli.csproj -c Release -r ${RID} --self-contained false -o /app --no-restore -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
# Nothing is written at run time: no diagnostics IPC socket or perf map in /tmp, no first-run files in $HOME.
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_NOLOGO=1 \
    DOTNET_gcServer=1
EXPOSE 8080
# The aspnet images' unprivileged user (APP_UID, 1654); a numeric id so Kubernetes' runAsNonRoot can check it.
USER 1654
# The image has no curl: the command itself asks the readiness endpoint (exit code 0 when ready).
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/Portico.Cli.dll", "health", "--url", "http://127.0.0.1:8080"]
ENTRYPOINT ["dotnet", "/app/Portico.Cli.dll"]
# DB-less by default: the registry file mounted at /config/portico.json. For Table mode, pass another command:
#   serve --storage https://ACCOUNT.table.core.windows.net --urls http://0.0.0.0:8080
CMD ["serve", "--config", "/config/portico.json", "--urls", "http://0.0.0.0:8080"]
