// The platform's shared secrets: taken from Pulumi secret config when the stack supplies them,
// generated with @pulumi/random otherwise. Every value leaves this component as a secret Output.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { generatedSecretKeys, type GeneratedSecretKey, type SecretKey } from "../config/schema";

export interface PlatformSecretsArgs {
  /** Values the stack supplied (plain strings from the config loader). */
  readonly supplied: Readonly<Partial<Record<SecretKey, string>>>;
  /**
   * Generated keys to protect with Pulumi `protect`: a data store keeps the password it was
   * initialised with, so regenerating it would lock the application out of retained data.
   * Default none.
   */
  readonly protect?: readonly GeneratedSecretKey[];
}

/** Generated length per secret. Alphanumeric only, so values embed safely in URLs and files. */
export const generatedLengths: Readonly<Record<GeneratedSecretKey, number>> = {
  postgresPassword: 32,
  redisPassword: 32,
  flowerPassword: 24,
  jwtSecret: 64,
  appSecretKey: 64,
  grafanaAdminPassword: 24,
  postgresReaderPassword: 32,
};

export class PlatformSecrets extends pulumi.ComponentResource {
  /** Secret Outputs, one per key. */
  readonly values: Readonly<Record<GeneratedSecretKey, pulumi.Output<string>>>;
  /** Which keys were generated rather than supplied (names only). */
  readonly generated: readonly GeneratedSecretKey[];

  constructor(name: string, args: PlatformSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:secrets:PlatformSecrets", name, {}, opts);
    const values = {} as Record<GeneratedSecretKey, pulumi.Output<string>>;
    const generated: GeneratedSecretKey[] = [];
    for (const key of generatedSecretKeys) {
      const supplied = args.supplied[key];
      if (supplied !== undefined) {
        values[key] = pulumi.secret(supplied);
        continue;
      }
      const password = new random.RandomPassword(
        `${name}-${key}`,
        { length: generatedLengths[key], special: false },
        { parent: this, protect: args.protect?.includes(key) ?? false },
      );
      values[key] = pulumi.secret(password.result);
      generated.push(key);
    }
    this.values = values;
    this.generated = generated;
    this.registerOutputs({ generated });
  }
}
