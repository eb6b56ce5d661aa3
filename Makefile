# FlopsBus: `make run` shows the embedded system, `make test` starts the real parts and runs every test.
SHELL := /bin/bash
CONFIGURATION ?= Release
DOTNET := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet
# Debian's docker-compose 1.29 (compose v2 works too: COMPOSE='docker compose'). It builds through the engine's API with
# the classic builder, which builds FROM images that exist only here (BuildKit would look them up in a registry).
COMPOSE ?= docker-compose
COMPOSE_RUN := COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0 $(COMPOSE) -f compose/docker-compose.yml

.PHONY: run build test test-quorum test-compose infra infra-down clean bench-planner bench-saga bench-system bench-agent bench-pull bench-footprint agent-edge up down flops

## The embedded system: one process, in-memory bus, three simulated nodes, a sample project until READY.
run:
	@$(DOTNET) build services/cli/FlopsBus.Cli -c $(CONFIGURATION) -v quiet -nologo -tl:off -clp:NoSummary
	@$(DOTNET) services/cli/FlopsBus.Cli/bin/$(CONFIGURATION)/net10.0/flops.dll demo

build:
	$(DOTNET) build FlopsBus.sln -c $(CONFIGURATION) -v quiet -nologo

## Installs and starts what the tests need (RabbitMQ, PostgreSQL, Docker engine, registry, sample images), then runs them all.
test: infra build
	@bash tests/run-tests.sh $(CONFIGURATION)

# The whole suite with the durable service queues as quorum queues (Bus:QueueType=quorum), as on a RabbitMQ cluster.
test-quorum: infra build
	@FLOPS_TEST_QUEUE_TYPE=quorum bash tests/run-tests.sh $(CONFIGURATION)

infra:
	@bash tests/infra/up.sh

infra-down:
	@bash tests/infra/down.sh

clean:
	$(DOTNET) clean FlopsBus.sln -v quiet

## Placement speed: 10,000 actors (projects of 1 aggregator + 10 learners) on each of PLANNER_NODES nodes, rounds for
## several seconds per size; prints "planner: <placements/s>, p99 <ms> per project at <nodes> nodes" from the medians.
PLANNER_NODES ?= 5000 50000
bench-planner:
	@$(DOTNET) build tests/FlopsBus.Benchmarks -c Release -v quiet -nologo -tl:off -clp:NoSummary
	@$(DOTNET) tests/FlopsBus.Benchmarks/bin/Release/net10.0/FlopsBus.Benchmarks.dll planner $(PLANNER_NODES)

## Saga speed on RabbitMQ and PostgreSQL: the events of 1,000 projects (1 aggregator + 10 learners each).
bench-saga: infra
	@$(DOTNET) build tests/FlopsBus.Benchmarks -c Release -v quiet -nologo -tl:off -clp:NoSummary
	@$(DOTNET) tests/FlopsBus.Benchmarks/bin/Release/net10.0/FlopsBus.Benchmarks.dll saga

## The whole system at scale: SYSTEM_NODES hollow nodes (real agents on the simulated runtime; 3 in 5 with flops-learner,
## 10 clusters) in 4 processes, 2 planners and 2 saga hosts in processes of their own, SYSTEM_PROJECTS projects of 1
## aggregator + 10 learners submitted at SYSTEM_RATE per second; prints "system: <r> projects/s, p50 <ms> p99 <ms>
## submit-to-READY at <n> nodes, <n> lost" and "saga at <x> of the transport ceiling". KILL_PLANNER=1 kills the active
## planner with SIGKILL halfway and prints "planner failover: <ms>" (from the kill to the next planner's first placement).
SYSTEM_NODES ?= 1000
SYSTEM_PROJECTS ?= 1000
SYSTEM_RATE ?= 20
KILL_PLANNER ?= 0
bench-system: infra
	@$(DOTNET) build tests/FlopsBus.Benchmarks -c Release -v quiet -nologo -tl:off -clp:NoSummary
	@$(DOTNET) tests/FlopsBus.Benchmarks/bin/Release/net10.0/FlopsBus.Benchmarks.dll system $(SYSTEM_NODES) $(SYSTEM_PROJECTS) $(SYSTEM_RATE) $(KILL_PLANNER)

## Five actors (1 aggregator + 4 learners, fresh pulls) through two agents against the fastest plain docker
## pull/run script, alternating for ROUNDS rounds; prints "agent overhead: <ratio>x raw docker (...)" from the medians.
ROUNDS ?= 11
bench-agent: infra
	@$(DOTNET) build tests/FlopsBus.Benchmarks -c Release -v quiet -nologo -tl:off -clp:NoSummary
	@$(DOTNET) tests/FlopsBus.Benchmarks/bin/Release/net10.0/FlopsBus.Benchmarks.dll agent $(ROUNDS)

## An edge site: NODES nodes (an engine each, caches emptied every round) behind one UPLINK_MBIT uplink to the registry,
## one project of the large FL image pair (an aggregator, a learner per node), FlopsBus (through the cluster's cache)
## against plain docker pull/run on every node, alternating for PULL_ROUNDS rounds; prints "pull: <ratio>x raw docker
## (...), uplink <MB> vs <MB> per project (...)", "locality: ..." and "agent footprint: ..." from the medians. The nodes
## run the agent as shipped to edge nodes (make agent-edge); AGENT=normal runs the normal build.
PULL_ROUNDS ?= 3
NODES ?= 10
UPLINK_MBIT ?= 200
bench-pull: AGENT ?= edge
bench-pull: $(if $(filter normal,$(AGENT)),,agent-edge)
	@FLOPS_ENGINES=$(NODES) FLOPS_LARGE_IMAGES=1 bash tests/infra/up.sh
	@$(DOTNET) build tests/FlopsBus.Benchmarks -c Release -v quiet -nologo -tl:off -clp:NoSummary
	@$(if $(filter normal,$(AGENT)),,FLOPS_TEST_AGENT_PROGRAM=$(CURDIR)/artifacts/agent-edge/FlopsBus.Agent.Host) \
		$(DOTNET) tests/FlopsBus.Benchmarks/bin/Release/net10.0/FlopsBus.Benchmarks.dll pull $(PULL_ROUNDS) $(NODES) $(UPLINK_MBIT)

## The agent as shipped to edge nodes: self-contained (no .NET on the node), trimmed, one file, into artifacts/agent-edge/
## (services/agent/FlopsBus.Agent.Host/Properties/PublishProfiles/Edge.pubxml says what and why). Its own artifacts
## folder: the normal build (bin/, obj/), which the tests run, is left as it was. EDGE_RID=linux-arm64 for ARM nodes.
EDGE_RID ?= linux-x64
agent-edge:
	$(DOTNET) publish services/agent/FlopsBus.Agent.Host -c Release -p:PublishProfile=Edge -r $(EDGE_RID) \
		--artifacts-path artifacts/agent-edge-build -o artifacts/agent-edge -v quiet -nologo -tl:off

## One agent's memory and start-up over FOOTPRINT_ROUNDS fresh starts on node engine ENGINE: RSS after 20 s idle, RSS
## with an aggregator and a learner deployed, time to "registered"; AGENT=edge measures make agent-edge's build.
FOOTPRINT_ROUNDS ?= 3
ENGINE ?= 1
bench-footprint: infra $(if $(filter edge,$(AGENT)),agent-edge)
	@$(DOTNET) build tests/FlopsBus.Benchmarks -c Release -v quiet -nologo -tl:off -clp:NoSummary
	@$(if $(filter edge,$(AGENT)),FLOPS_TEST_AGENT_PROGRAM=$(CURDIR)/artifacts/agent-edge/FlopsBus.Agent.Host) \
		$(DOTNET) tests/FlopsBus.Benchmarks/bin/Release/net10.0/FlopsBus.Benchmarks.dll footprint $(FOOTPRINT_ROUNDS) $(ENGINE)

## The full stack with Docker Compose, with no public image registry: compose/build.sh makes the bases (debootstrap,
## cached in /var/tmp/flopsbus-infra/compose) and publishes the services, compose builds the images FROM them.
## Needs compose/.env (copy compose/.env.example), a running Docker engine, docker-compose and debootstrap.
up:
	@test -f compose/.env || { echo "compose/.env is missing: copy compose/.env.example and choose the passwords" >&2; exit 1; }
	@bash compose/build.sh
	$(COMPOSE_RUN) up -d --build
	@/usr/bin/docker image prune -f --filter label=org.flopsbus.image=compose >/dev/null

down:
	$(COMPOSE_RUN) down

## The stack's flops CLI, with its own account: make flops ARGS="status"
flops:
	@$(COMPOSE_RUN) run --rm --no-deps flops $(ARGS)

## Brings a compose stack of its own up (ports 27xxx), deploys a sample project through its CLI to READY, checks the
## containers, Prometheus and the Grafana dashboard's queries, brings it down and leaves nothing running. Not part of
## `make test` (it would not fit in its time on a fresh machine): CI runs it as a step of its own.
test-compose:
	@bash tests/compose/test.sh
