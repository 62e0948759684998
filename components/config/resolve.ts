// Resolution of the services: each service's stack overrides laid over its code defaults.
import { backendImageServices, cloudNativePgPostgresImage, serviceDefaults } from "./defaults";
import { fullKey, show, type ConfigProblem } from "./problems";
import { buildProblems, checkService } from "./rules";
import { serviceNames, type ServiceName, type StackConfig } from "./schema";
import type { ResolvedServices, ServiceSettings } from "./types";

/** Lays each service's overrides over its defaults and checks what spans several fields. */
export function resolveServices(config: StackConfig, problems: ConfigProblem[]): ResolvedServices {
  const resolved: Partial<Record<ServiceName, ServiceSettings>> = {};
  const backendImage = config.services.backend?.image;
  const operated = config.database.engine === "cloudnative-pg";
  const switchedOff = new Set<ServiceName>([
    ...(config.robloxSyncEnabled ? [] : (["robloxSync"] as const)),
    ...(config.flowerEnabled ? [] : (["flower"] as const)),
    ...(config.grafanaEnabled ? [] : (["grafana"] as const)),
    // A CloudNativePG cluster exports its own metrics; its operator runs only where installed.
    ...(operated ? (["postgresExporter"] as const) : []),
    ...(operated && config.database.operator === "install" ? [] : (["postgresOperator"] as const)),
    ...(config.redis.mode === "sentinel" ? [] : (["redisSentinel"] as const)),
  ]);
  const redisImage = config.services.redis?.image ?? serviceDefaults.redis.image;
  for (const name of serviceNames.filter((service) => !switchedOff.has(service))) {
    const overrides = config.services[name] ?? {};
    const defaults = serviceDefaults[name];
    const image =
      overrides.image ??
      (name === "postgres" && operated ? cloudNativePgPostgresImage : defaults.image) ??
      (name === "redisSentinel" ? redisImage : undefined) ??
      (backendImageServices.has(name) ? backendImage : undefined);
    if (image === undefined) {
      // Services that borrow the backend image are covered by the backend's own problem.
      if (backendImageServices.has(name)) continue;
      problems.push({
        key: fullKey(["services", name, "image"]),
        message: "is required: application images have no default; set repository and tag",
      });
      continue;
    }
    const settings: ServiceSettings = {
      image,
      replicas: overrides.replicas ?? defaults.replicas,
      resources: overrides.resources ?? defaults.resources,
      autoscaling: overrides.autoscaling,
      maxUnavailable: overrides.maxUnavailable ?? defaults.maxUnavailable,
      internetEgress: overrides.internetEgress ?? defaults.internetEgress,
      storage: overrides.storage ?? defaults.storage,
      build: overrides.build,
    };
    if (overrides.autoscaling && overrides.replicas !== undefined) {
      problems.push({
        key: fullKey(["services", name, "replicas"]),
        shownValue: show(overrides.replicas),
        message: `must be left out when autoscaling is set: the autoscaler owns the replica count (from minReplicas ${overrides.autoscaling.minReplicas})`,
      });
    }
    problems.push(...checkService(name, settings), ...buildProblems(name, settings, config));
    resolved[name] = settings;
  }
  // Complete once no problem was found; the caller throws otherwise.
  return resolved as ResolvedServices;
}
