// Runs the real program (index.ts) in-process under the Pulumi SDK's mocks with a stack's real
// Pulumi.<stack>.yaml, and records every resource registration: type, name, URN, parent,
// dependencies and inputs. Used by `npm run preview`, the tests, and (later) the policy runner.
// It stands in for the engine only where no engine is available; `pulumi preview` is the truth.
// By default every value is known (as after an update); `preview: true` runs it as the first
// `pulumi preview` of a new stack, where what providers compute (generated passwords) is unknown.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { acceptExampleValuesVariable } from "../../components/config/examples";
import { projectName } from "../../components/config/problems";
import { projectRoot } from "../project-root";
import { readStackConfig, type StackConfigFile } from "./stack-config";

export { projectRoot, readStackConfig, type StackConfigFile };
const stackTypeName = "pulumi:pulumi:Stack";

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent?: string;
  readonly dependencies: readonly string[];
  readonly custom: boolean;
  readonly provider?: string;
  /** Pulumi's `protect` and `retainOnDelete` resource options, as the engine receives them. */
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /**
   * Inputs with secrets unwrapped to plain values, as policies see them. In a preview run, a value
   * not known until the update is the engine's marker string (`unknownValue`), as the analyzer
   * hands it to policies.
   */
  readonly inputs: Record<string, unknown>;
  /** The same inputs with every secret value replaced by "[secret]" (unknowns as in `inputs`). */
  readonly redactedInputs: Record<string, unknown>;
}

export interface ProgramRun {
  readonly stack: string;
  readonly resources: readonly RegisteredResource[];
  /** The stack outputs (index.ts's exports) as plain values, secrets unwrapped. */
  readonly outputs: Record<string, unknown>;
  /**
   * The stack outputs as the Stack resource registered them with the engine, each secret
   * replaced by "[secret]": what `pulumi preview` and `pulumi stack output` show.
   */
  readonly redactedOutputs: Record<string, unknown>;
  /** What the program logged with `pulumi.log.warn`, as the engine prints its warnings. */
  readonly warnings: readonly string[];
}

/** The exports of every program run in this module registry. */
const programsRun = new WeakSet<object>();

/** Every mock RandomPassword result starts with this, so tests can look for leaks of it. */
export function mockPasswordPrefix(resourceName: string): string {
  return `mock-${resourceName}-`;
}

/**
 * Deterministic mock state: inputs echoed back, plus what providers compute that we read. In a
 * preview, providers compute nothing yet: only the inputs come back, so computed outputs (a
 * RandomPassword's `result`, a RandomBytes' `base64`) are unknown, as on a first `pulumi preview`.
 */
function mockState(
  args: pulumi.runtime.MockResourceArgs,
  preview: boolean,
): Record<string, unknown> {
  if (args.type === "random:index/randomPassword:RandomPassword" && !preview) {
    const length = Number(args.inputs.length ?? 32);
    const seed = mockPasswordPrefix(args.name);
    return {
      ...args.inputs,
      result: seed.repeat(Math.ceil(length / seed.length)).slice(0, length),
    };
  }
  if (args.type === "random:index/randomBytes:RandomBytes" && !preview) {
    const length = Number(args.inputs.length ?? 32);
    const bytes = Buffer.alloc(length);
    for (let offset = 0; offset < length; offset += 32) {
      createHash("sha256").update(`${args.name}:${offset}`).digest().copy(bytes, offset);
    }
    return { ...args.inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") };
  }
  if (args.type === "docker:index/image:Image" && !preview) {
    // A build's digest: the pushed manifest (repository@sha256:…) or, kept local, the image ID.
    const name = String(args.inputs.imageName);
    const digest = `sha256:${createHash("sha256").update(name).digest("hex")}`;
    const pushed = args.inputs.skipPush !== true;
    return {
      ...args.inputs,
      repoDigest: pushed ? `${name.replace(/:[^:/]+$/, "")}@${digest}` : digest,
    };
  }
  return { ...args.inputs };
}

/**
 * Unwraps secrets recursively; `redact` replaces each secret with "[secret]" instead. An unknown
 * (only in a preview) becomes the engine's marker string, which is what the analyzer hands to
 * policies and what `unknownCheckingProxy` recognises.
 */
export function unwrapSecrets(value: unknown, redact: boolean): unknown {
  if (pulumi.isUnknown(value)) return pulumi.runtime.unknownValue;
  if (pulumi.runtime.isRpcSecret(value)) {
    return redact ? "[secret]" : unwrapSecrets(pulumi.runtime.unwrapRpcSecret(value), redact);
  }
  if (Array.isArray(value)) return value.map((item) => unwrapSecrets(item, redact));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item, redact)]),
    );
  }
  return value;
}

/**
 * The SDK captures a stack trace for every promise and resource it makes, thousands per run, and
 * formats each (a resource's with every frame, for its source position). Without an engine
 * nothing reads them, and formatting them was a third of a preview's own time; a host that maps
 * frames through source maps (jest) made a run three times as long. Until `restore()`, those
 * anonymous captures (`new Error()`, no message) format as the bare "Error", and every error with
 * a message keeps V8's format with 10 frames.
 */
function plainStackTraces(): { restore(): void } {
  const errorConstructor = Error as { prepareStackTrace?: unknown; stackTraceLimit: number };
  const host = {
    prepare: errorConstructor.prepareStackTrace,
    limit: errorConstructor.stackTraceLimit,
  };
  errorConstructor.prepareStackTrace = (error: Error, frames: readonly NodeJS.CallSite[]) =>
    error.message === "" && error.name === "Error"
      ? "Error"
      : [String(error), ...frames.slice(0, 10).map((frame) => `    at ${frame}`)].join("\n");
  errorConstructor.stackTraceLimit = 10;
  return {
    restore() {
      errorConstructor.prepareStackTrace = host.prepare;
      errorConstructor.stackTraceLimit = host.limit;
    },
  };
}

interface MonitorRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getCustom(): boolean;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getObject(): unknown;
}
type MonitorCallback = (error: Error | null, response?: { getUrn(): string }) => void;
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): unknown;
}
type OutputsCallback = (error: Error | null, response?: unknown) => void;

/**
 * Puts the SDK in mock mode for `stack` with its config, and records every registration into
 * `resources` as the engine would see it (parent, dependencies, options, inputs). Returns the
 * stack outputs the Stack resource registers, once the program has run.
 */
async function installMocks(
  stack: string,
  config: StackConfigFile,
  preview: boolean,
  resources: RegisteredResource[],
): Promise<{ redactedOutputs(): Record<string, unknown> }> {
  await pulumi.runtime.setMocks(
    {
      // A resource that does not exist yet has no ID in a preview.
      newResource: (args) => ({
        id: preview ? undefined : `${args.name}-id`,
        state: mockState(args, preview),
      }),
      call: (args) => args.inputs,
    },
    projectName,
    stack,
    preview,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  // The mock monitor does not pass parents and dependencies to `newResource`; read them from
  // the registration request itself, as the engine would record them.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: MonitorRequest, callback: MonitorCallback): void;
    registerResourceOutputs(request: OutputsRequest, callback: OutputsCallback): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (!error && response) {
        // Inputs are deserialized on first read: a summary of the plan never reads them, and the
        // SDK's own mocks have already paid for one deserialization of every request.
        const object = request.getObject() as Parameters<
          typeof pulumi.runtime.deserializeProperties
        >[0];
        let raw: unknown;
        const deserialized = () => (raw ??= pulumi.runtime.deserializeProperties(object, true));
        let inputs: Record<string, unknown> | undefined;
        let redactedInputs: Record<string, unknown> | undefined;
        resources.push({
          type: request.getType(),
          name: request.getName(),
          urn: response.getUrn(),
          parent: request.getParent() || undefined,
          dependencies: request.getDependenciesList(),
          custom: request.getCustom(),
          provider: request.getProvider() || undefined,
          protect: request.getProtect() ?? false,
          retainOnDelete: request.getRetainondelete() ?? false,
          get inputs() {
            return (inputs ??= unwrapSecrets(deserialized(), false) as Record<string, unknown>);
          },
          get redactedInputs() {
            return (redactedInputs ??= unwrapSecrets(deserialized(), true) as Record<
              string,
              unknown
            >);
          },
        });
      }
      callback(error, response);
    });
  // The Stack resource registers the program's exports as its outputs, serialized with their
  // secrets marked (the SDK's own `runInPulumiStack` result has them unwrapped).
  let redactedOutputs: Record<string, unknown> = {};
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request, callback) => {
    if (request.getUrn().includes(`::${stackTypeName}::`)) {
      const raw = pulumi.runtime.deserializeProperties(
        request.getOutputs() as Parameters<typeof pulumi.runtime.deserializeProperties>[0],
        true,
      );
      redactedOutputs = unwrapSecrets(raw, true) as Record<string, unknown>;
    }
    registerOutputs(request, callback);
  };

  return { redactedOutputs: () => redactedOutputs };
}

/**
 * Runs `construct` (a component or a few, built from their args) under the SDK's mocks, as part
 * of `stack` with its stack file's config, and returns every resource it registered, in the form
 * `runProgram` gives: for testing one component alone. Each call starts a fresh mock engine.
 */
export async function captureResources(
  construct: () => void,
  options: { stack?: string; config?: StackConfigFile; preview?: boolean } = {},
): Promise<RegisteredResource[]> {
  const stack = options.stack ?? "unit";
  const resources: RegisteredResource[] = [];
  await installMocks(
    stack,
    options.config ?? { values: {}, secretKeys: [] },
    options.preview ?? false,
    resources,
  );
  const hostStackTraces = plainStackTraces();
  try {
    construct();
    // Registrations outlive the constructors; wait until the RPC queue is drained.
    await pulumi.runtime.disconnect();
  } finally {
    hostStackTraces.restore();
  }
  return resources;
}

/**
 * Runs index.ts for `stack` under mocks and returns what it registered. Run a program once per
 * process (the SDK's runtime state is global, and a module that loaded runs no second time): the
 * preview command does, and each jest file has its own module registry. Another `entry` runs
 * afresh, and so does one whose first run threw (bad config), since Node keeps no failed module.
 */
export async function runProgram(
  stack: string,
  options: {
    config?: StackConfigFile;
    entry?: string;
    /** Receives registrations as they happen, so a caller sees them even if the program throws. */
    sink?: RegisteredResource[];
    /**
     * Run as `pulumi preview` of a new stack (the SDK's dry run): computed outputs are unknown,
     * and so is every input derived from them. Default false: every value is known.
     */
    preview?: boolean;
    /**
     * Run with TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1 in the program's environment, as the project's
     * own test runs do: an update with the stack files' example values deploys with a warning.
     * Default true: the mock engine reaches no cluster. False: an update is refused as a user's
     * `pulumi up` is (components/config/examples.ts).
     */
    acceptExampleValues?: boolean;
  } = {},
): Promise<ProgramRun> {
  const config = options.config ?? readStackConfig(stack);
  const resources: RegisteredResource[] = options.sink ?? [];
  const recorder = await installMocks(stack, config, options.preview ?? false, resources);

  // The real program by a literal path, so that a bundle of this file includes it; required
  // only here, inside the stack, as the language host loads it.
  const load = async (): Promise<unknown> =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    options.entry ? import(options.entry) : require("../../index");
  const hostStackTraces = plainStackTraces();
  // Without an engine, the SDK prints `pulumi.log.warn` through console.warn: collected instead.
  const warnings: string[] = [];
  const hostWarn = console.warn;
  const runtimeWarning = "warning: [runtime] ";
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith(runtimeWarning)) {
      warnings.push(args[0].slice(runtimeWarning.length));
    } else {
      hostWarn(...args);
    }
  };
  // Read by the program at its entry (index.ts), so set for the run and restored after it.
  const hostAcceptance = process.env[acceptExampleValuesVariable];
  if (options.acceptExampleValues ?? true) process.env[acceptExampleValuesVariable] = "1";
  else delete process.env[acceptExampleValuesVariable];
  // A program that throws (bad config) must surface as this function's rejection, not as an
  // unhandled rejection of the stack resource, so the error is carried out of the callback.
  let failure: unknown;
  let outputs: Record<string, unknown> | undefined;
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => {
      try {
        const program = (await load()) as Record<string, unknown>;
        // A second require of a module returns the cached exports without running it again: the
        // run would register nothing and look like an empty stack.
        if (programsRun.has(program)) {
          throw new Error(
            "runProgram: the program already ran in this module registry and a second require " +
              "does not run it again; run one program per test file",
          );
        }
        programsRun.add(program);
        return { ...program };
      } catch (error) {
        failure = error;
        return {};
      }
    });
    // Registrations outlive the program's top level; wait until the RPC queue is drained.
    await pulumi.runtime.disconnect();
  } finally {
    hostStackTraces.restore();
    console.warn = hostWarn;
    if (hostAcceptance === undefined) delete process.env[acceptExampleValuesVariable];
    else process.env[acceptExampleValuesVariable] = hostAcceptance;
  }
  if (failure !== undefined) throw failure;
  return {
    stack,
    resources,
    outputs: (outputs ?? {}) as Record<string, unknown>,
    redactedOutputs: recorder.redactedOutputs(),
    warnings,
  };
}
