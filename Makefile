# ChunkGate — the commands a developer and CI use. See README.md.
DOTNET ?= dotnet
CONFIG ?= Release
SLN := Operator.sln

.PHONY: build deps test crds server-messages demo bench cluster plugin clean

build: deps
	$(DOTNET) build $(SLN) -c $(CONFIG)

# Native libraries the sidecar loads at run time: libpg_query, PostgreSQL 15's own parser, with
# which it judges every statement; python3 for `make server-messages` and its freshness test.
# Installed with apt when missing (CI runs as root on Debian). A C toolchain (gcc or clang) links the
# runner's native executable, which a Release build compiles ahead of time (Native AOT).
deps:
	@dpkg -s libpg-query1504.0 >/dev/null 2>&1 || { apt-get update && apt-get install -y libpg-query1504.0; }
	@command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || { apt-get update && apt-get install -y gcc libc6-dev; }
	@command -v python3 >/dev/null 2>&1 || { apt-get update && apt-get install -y python3-minimal; }

# Unit and integration tests. Integration tests use the PostgreSQL named by PG* variables,
# or start a throwaway one themselves. The CRD freshness check is one of the tests.
test: deps
	$(DOTNET) test $(SLN) -c $(CONFIG)

# Regenerates crds/*.yaml from the C# API types (never edit them by hand).
crds:
	$(DOTNET) run --project operator/ChunkGate.CrdGen -c $(CONFIG) -- crds

# Regenerates the sidecar's list of PostgreSQL 15's message templates from the installed message
# catalogs (package postgresql-15), with which it masks error texts (never edit it by hand).
server-messages:
	python3 tools/server-messages.py > operator/ChunkGate.Sidecar/Masking/ServerMessageTemplates.txt.new
	mv operator/ChunkGate.Sidecar/Masking/ServerMessageTemplates.txt.new operator/ChunkGate.Sidecar/Masking/ServerMessageTemplates.txt

# The whole story on the local installation, narrated: alice designs, her own approval is denied,
# bob approves with kubectl chunk, the runner exports through the masking sidecar, everything is
# revoked (tests/demo/demo.sh). Exits non-zero at the first step that does not behave.
demo: deps
	@$(DOTNET) build $(SLN) -c $(CONFIG) -v quiet -nologo >/dev/null || $(DOTNET) build $(SLN) -c $(CONFIG) -v quiet -nologo
	@CONFIG=$(CONFIG) tests/demo/demo.sh

bench: deps
	$(DOTNET) run --project tests/ChunkGate.Benchmarks -c $(CONFIG) -- $(BENCH)

# The local installation: PostgreSQL with the demo data, the local cluster, the operator. Prints
# KUBECONFIG=… and DATABASE=…, runs until Ctrl-C or SIGTERM (tests/cluster/local-installation.sh).
cluster: deps
	@$(DOTNET) build $(SLN) -c $(CONFIG) -v quiet -nologo >/dev/null || $(DOTNET) build $(SLN) -c $(CONFIG) -v quiet -nologo
	@CONFIG=$(CONFIG) tests/cluster/local-installation.sh

# The kubectl plugin (operator/ChunkGate.Kubectl): builds it and prints the absolute directory of its
# executable kubectl-chunk (make build leaves it there too), so that
#   export PATH="$(make -s plugin):$PATH"
# makes `kubectl chunk ...` work. It needs the .NET runtime where the SDK installed it.
PLUGIN_DIR := operator/ChunkGate.Kubectl/bin/$(CONFIG)/net10.0
plugin:
	@$(DOTNET) build operator/ChunkGate.Kubectl -c $(CONFIG) -v quiet -nologo >/dev/null || { $(DOTNET) build operator/ChunkGate.Kubectl -c $(CONFIG) -v quiet -nologo >&2; exit 1; }
	@echo "$(CURDIR)/$(PLUGIN_DIR)"

clean:
	$(DOTNET) clean $(SLN) -c $(CONFIG)
