module ecs-otel-sample/healthcheck

go 1.24
