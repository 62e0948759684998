// The stack configuration schema: every key a Pulumi.<stack>.yaml may set, its type, its allowed
// values and its default, one file per section under ./schema/. This is the single source of
// config defaults; Pulumi.yaml repeats the scalar defaults for the engine and a test keeps the two
// equal.
export {
  backupSchema,
  backupStorageSchema,
  recoveryPointObjectives,
  type BackupSettings,
  type BackupStorage,
} from "./schema/backup";
export {
  databaseEngines,
  databaseSchema,
  type DatabaseEngine,
  type DatabaseSettings,
} from "./schema/database";
export { redisModes, redisSchema, type RedisMode, type RedisSettings } from "./schema/redis";
export { deliverySchema, type DeliverySettings } from "./schema/delivery";
export { dockerSchema, type DockerSettings } from "./schema/docker";
export { imageSchema, pinInRepository, type ImageRef } from "./schema/image";
export {
  alertThresholdsSchema,
  monitoringSchema,
  type AlertThresholds,
  type MonitoringSettings,
} from "./schema/monitoring";
export { hasUserinfo, intRange } from "./schema/primitives";
export { systemFolderProblem, systemFolders } from "./schema/render-dir";
export {
  backupBucketSecretKeys,
  generatedSecretKeys,
  receiverSecretKeys,
  secretKeys,
  type GeneratedSecretKey,
  type SecretKey,
} from "./schema/secrets";
export {
  serviceNames,
  serviceSchema,
  servicesSchema,
  type Autoscaling,
  type ImageBuild,
  type Resources,
  type ServiceName,
  type ServiceOverrides,
  type Storage,
} from "./schema/service";
export {
  booleanKeys,
  integerKeys,
  objectKeys,
  platforms,
  providerNamespaces,
  stackConfigSchema,
  type PlatformKind,
  type StackConfig,
  type StackConfigInput,
} from "./schema/stack";
