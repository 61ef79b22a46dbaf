# Sourced by run.sh: Azurite for Table storage, the version the tests pin (tests/azurite, installed with npm ci when
# missing). Azurite is slow and no throughput reference; it is used to time a start-up whose registry comes from
# Table storage, and as the counter store of scenarios that need one ("needs": ["table-storage"]).
# Defines start_azurite and measure_startup_table_store; uses run.sh's start_group, measure_startup, tool and variables.

AZURITE_DIR="$REPO_DIR/tests/azurite"

# Starts Azurite on AZURITE_PORT -> AZURITE_PID and AZURITE_CONNECTION (its development account's connection string).
start_azurite() {
    command -v npm >/dev/null 2>&1 || { log "npm is not available: no Azurite"; return 1; }
    if [[ ! -x "$AZURITE_DIR/node_modules/.bin/azurite-table" ]]; then
        log "installing the pinned Azurite with npm ci"
        run_bounded 300 npm ci --prefix "$AZURITE_DIR" --no-audit --no-fund --loglevel=error \
            >"$WORK/npm-azurite.log" 2>&1 || { log "npm ci for Azurite failed (see $WORK/npm-azurite.log)"; return 1; }
    fi
    port_free "$AZURITE_PORT" || { log "port $AZURITE_PORT is in use: no Azurite"; return 1; }
    start_group "$WORK/azurite.log" "$AZURITE_DIR/node_modules/.bin/azurite-table" --tableHost "$LOOPBACK" \
        --tablePort "$AZURITE_PORT" --inMemoryPersistence --skipApiVersionCheck --disableTelemetry
    AZURITE_PID=$STARTED_PID
    tool wait "http://$LOOPBACK:$AZURITE_PORT/" 30 || { stop_group "$AZURITE_PID"; return 1; }
    # Azurite's well-known development account (public, documented; it only exists on loopback).
    AZURITE_CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://$LOOPBACK:$AZURITE_PORT/devstoreaccount1;"
}

measure_startup_table_store() {
    start_azurite || return 1
    local rc=0
    if run_bounded 120 dotnet "$PORTICO_DLL" config import "$PLAIN_REGISTRY" --storage "$AZURITE_CONNECTION" >"$WORK/import.log" 2>&1; then
        log "start-up: portico serve --storage (Table store on Azurite), $STARTUP_RUNS runs"
        measure_startup portico-table -- dotnet "$PORTICO_DLL" serve --storage "$AZURITE_CONNECTION" --urls "http://$LOOPBACK:$STARTUP_PORT" || rc=1
    else
        log "portico config import failed (see $WORK/import.log)"
        rc=1
    fi
    stop_group "$AZURITE_PID"
    return "$rc"
}
