// The Docker platform (dev on a laptop): the provider of the local engine, and one renderer for
// every tier, whose networks per zone replace the namespaces. Only the gateway's port is
// published, on 127.0.0.1 unless the stack says otherwise; the gateway routes /grafana/ too.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { DockerRenderer } from "../docker/renderer";
import { RecordingRenderer } from "../model/record";
import { checksumKey } from "./checksum-key";
import type { Platform } from "./platform";

/** The parent of what the engine shares between workloads: networks, pulled images. */
class DockerEngine extends pulumi.ComponentResource {
  constructor(opts: pulumi.ComponentResourceOptions) {
    super("toolboxai:docker:Engine", "docker", {}, opts);
    this.registerOutputs({});
  }
}

export function dockerPlatform(config: PlatformConfig, instance: string): Platform {
  // An empty host leaves the provider to DOCKER_HOST or the local socket.
  const provider = new docker.Provider("docker", {
    ...(config.docker.host ? { host: config.docker.host } : {}),
  });
  const opts = { providers: { docker: provider } };
  const engine = new DockerEngine(opts);
  const engineRenderer = new DockerRenderer({
    prefix: instance,
    labels: {
      "app.kubernetes.io/instance": instance,
      "app.kubernetes.io/part-of": "toolboxai",
      "app.kubernetes.io/managed-by": "pulumi",
    },
    publicPort: config.docker.gatewayPort,
    publishAddress: config.docker.publishAddress,
    protectData: config.protectData,
    checksumKey: checksumKey(),
    parent: engine,
  });
  // One engine for both tiers; each records its own workloads.
  const renderer = new RecordingRenderer(engineRenderer, "");
  const monitoringRenderer = new RecordingRenderer(engineRenderer, "");
  return {
    opts,
    renderer,
    monitoringRenderer,
    close() {
      renderer.close("the file helper");
      monitoringRenderer.close("the file helper");
      engineRenderer.createFileHelper();
      // Secret files live in volumes the helper filled: no named store to list.
      return {
        names: { networks: engineRenderer.networkNames() },
        secrets: {},
      };
    },
  };
}
