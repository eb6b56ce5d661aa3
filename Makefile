# FlopsBus: `make run` shows the embedded system, `make test` starts the real parts and runs every test.
SHELL := /bin/bash
CONFIGURATION ?= Release
DOTNET := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet

.PHONY: run build test bench-agent infra infra-down clean

## The embedded system: one process, in-memory bus, three simulated nodes, a sample project until READY.
run:
	@$(DOTNET) build services/cli/FlopsBus.Cli -c $(CONFIGURATION) -v quiet -nologo -tl:off -clp:NoSummary
	@$(DOTNET) services/cli/FlopsBus.Cli/bin/$(CONFIGURATION)/net10.0/flops.dll demo

build:
	$(DOTNET) build FlopsBus.sln -c $(CONFIGURATION) -v quiet -nologo

## Installs and starts what the tests need (RabbitMQ, PostgreSQL, Docker engine, registry, sample images), then runs them all.
test: infra build
	@bash tests/run-tests.sh $(CONFIGURATION)

## The same five actors deployed through the agents and by the fastest plain docker script, alternating; ends with
## "agent overhead: <ratio>x raw docker (<ms> ms vs <ms> ms)" from the medians. ROUNDS=n to change the number of rounds.
ROUNDS ?= 11
bench-agent: infra build
	@$(DOTNET) bench/FlopsBus.AgentBench/bin/$(CONFIGURATION)/net10.0/FlopsBus.AgentBench.dll $(ROUNDS)

infra:
	@bash tests/infra/up.sh

infra-down:
	@bash tests/infra/down.sh

clean:
	$(DOTNET) clean FlopsBus.sln -v quiet
