# ferrous: `make run` serves the bundled config.yaml, `make test` is what CI runs.
GO        ?= go
FUZZTIME  ?= 15s
BIN       := bin

.PHONY: all build run test vet unit race fuzz clean

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

test: vet unit race

clean:
	rm -rf $(BIN)
