package com.example.ecsotel.telemetry;

import com.example.ecsotel.config.TelemetryConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.contrib.aws.resource.EcsResource;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.semconv.ServiceAttributes;
import java.util.List;

/** The app's additions to the autoconfigured resource: default service name, ECS, log groups. */
final class AppResource {
  static final AttributeKey<List<String>> AWS_LOG_GROUP_NAMES =
      AttributeKey.stringArrayKey("aws.log.group.names");

  private AppResource() {}

  static Resource customize(Resource resource, TelemetryConfig config) {
    Resource result = resource;
    if (config.ecsMetadataAvailable()) {
      // Detected ECS attributes first, so explicit OTEL_RESOURCE_ATTRIBUTES still win. This is what
      // makes X-Ray draw the service as an ECS container and link the task's awslogs group.
      result = EcsResource.get().merge(result);
    }
    String serviceName = result.getAttribute(ServiceAttributes.SERVICE_NAME);
    if (serviceName == null || serviceName.startsWith("unknown_service")) {
      result =
          result.merge(
              Resource.builder().put(ServiceAttributes.SERVICE_NAME, config.defaultServiceName()).build());
    }
    boolean hasLogGroups =
        result.getAttribute(AWS_LOG_GROUP_NAMES) != null
            || result.getAttributes().get(AttributeKey.stringKey("aws.log.group.names")) != null;
    if (!config.logGroupNames().isEmpty() && !hasLogGroups) {
      result = result.merge(Resource.builder().put(AWS_LOG_GROUP_NAMES, config.logGroupNames()).build());
    }
    return result;
  }
}
