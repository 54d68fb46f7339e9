module ecs-otel-sample/collector/healthcheck

go 1.25.0
