# ChunkGate — the commands a developer and CI use. See README.md.
DOTNET ?= dotnet
CONFIG ?= Release
SLN := Operator.sln

.PHONY: build test crds demo bench cluster clean

build:
	$(DOTNET) build $(SLN) -c $(CONFIG)

# Unit and integration tests. Integration tests use the PostgreSQL named by PG* variables,
# or start a throwaway one themselves. The CRD freshness check is one of the tests.
test:
	$(DOTNET) test $(SLN) -c $(CONFIG)

# Regenerates crds/*.yaml from the C# API types (never edit them by hand).
crds:
	$(DOTNET) run --project operator/ChunkGate.CrdGen -c $(CONFIG) -- crds

demo:
	@echo "make demo: not available yet: the controller, admission webhooks, credential broker and runner are not built (see README). The local cluster and the sidecar run on their own: make cluster, and the sidecar section of the README."
	@exit 2

bench:
	$(DOTNET) run --project tests/ChunkGate.Benchmarks -c $(CONFIG) -- $(BENCH)

cluster:
	$(DOTNET) run --project tests/ChunkGate.LocalCluster -c $(CONFIG) -- $(CLUSTER_ARGS)

clean:
	$(DOTNET) clean $(SLN) -c $(CONFIG)
