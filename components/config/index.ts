// Reads the stack's configuration from the Pulumi runtime and validates it before any resource
// is registered. Validation itself lives in ./validate (pure, tested for its messages).
import * as pulumi from "@pulumi/pulumi";
import { projectName, validateConfig, type PlatformConfig } from "./validate";

export { ConfigError, stackFileName, validateConfig, type PlatformConfig } from "./validate";
export type { OptionalService, ResolvedServices, ServiceSettings } from "./validate";
export type { ImageRef, SecretKey, ServiceName } from "./schema";

/** The keys the engine marked secret (set with `pulumi config set --secret`). */
function secretConfigKeys(): Set<string> {
  // The engine passes these in PULUMI_CONFIG_SECRET_KEYS; the SDK's reader is internal, so the
  // same list is read through `isConfigSecret` when present.
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const keys = Object.keys(pulumi.runtime.allConfig());
  return new Set(keys.filter((key) => runtime.isConfigSecret?.(key) ?? false));
}

/** Loads and validates this stack's config; throws ConfigError (and registers nothing) if bad. */
export function loadPlatformConfig(): PlatformConfig {
  const values = pulumi.runtime.allConfig();
  const stack = pulumi.getStack();
  return validateConfig({ stack, values, secretKeys: secretConfigKeys() });
}

export { projectName };
