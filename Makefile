# ferrous: `make run` serves the bundled config.yaml, `make test` is what CI runs.
GO        ?= go
FUZZTIME  ?= 10s
TARGET    ?=
BIN       := bin

.PHONY: all build run test vet unit race fuzz bench spec soak clean

all: build

build:
	$(GO) build -o $(BIN)/ferrous ./cmd/ferrous

run: build
	./$(BIN)/ferrous -c config.yaml

vet:
	$(GO) vet ./...

# Unit and property tests of every package, then the server packages again under the race detector.
unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -race -count=1 ./internal/server/... ./internal/netpoll/... ./cmd/...

# Every fuzz target for FUZZTIME each (or only TARGET); a failure prints the failing input and fails the build.
# `make fuzz FUZZTIME=10m` for long runs.
fuzz:
	FUZZTIME=$(FUZZTIME) TARGET=$(TARGET) GO=$(GO) ./fuzz/run.sh

test: vet unit race fuzz

# The conformance report: requirement rows per keyword, how many are proven, the rest by id; also rewrites
# spec/CONFORMANCE.md (a test checks it is current).
spec:
	$(GO) run ./spec/cmd/conformance

# The built server under mixed and hostile traffic for SOAK (default 5m), then leak checks (descriptors, memory,
# processes, temporary files). Not part of `make test`; `make soak SOAK=60s` for a short one.
SOAK ?= 5m
soak:
	SOAK=$(SOAK) $(GO) run ./soak

BENCHFLAGS ?=

# Builds both binaries, then runs the seed's three benchmarks against a ferrous started for them; reports land in
# loadtests/results/ (ignored by git). `make bench BENCHFLAGS=-d=1s` is a quick check.
bench:
	$(GO) build -o $(BIN)/ferrous ./cmd/ferrous
	$(GO) build -o $(BIN)/ferrous-load ./cmd/ferrous-load
	./$(BIN)/ferrous-load -server -compare seed -out-dir loadtests/results $(BENCHFLAGS) \
		loadtests/get.yaml loadtests/post.yaml loadtests/upload.yaml

clean:
	rm -rf $(BIN)
