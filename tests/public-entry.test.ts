// The public entry is a capability of the workload model that each renderer realises: an Ingress
// of the cluster's controller on Kubernetes, the port published on the host on Docker. The
// gateway only declares it (components/app/gateway.ts).
import * as pulumi from "@pulumi/pulumi";
import { DockerRenderer } from "../components/docker/renderer";
import { KubernetesRenderer } from "../components/kubernetes/renderer";
import type { KubernetesContext } from "../components/kubernetes/workload";
import type { WorkloadSpec } from "../components/model/workload";
import { captureResources } from "../tools/engine/mock-engine";
import { unitContext } from "./components/support";
import { smallWorkload } from "./fixtures/workload-specs";

/* eslint-disable @typescript-eslint/no-explicit-any -- captured inputs are inspected as JSON */

/** The gateway's shape: users reach "http" (8080); "admin" (9090) stays inside. */
function spec(name: string, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const base = smallWorkload(name, { zones: ["frontend"] });
  return {
    ...base,
    containers: [
      {
        ...base.containers[0],
        ports: [
          { name: "http", port: 8080 },
          { name: "admin", port: 9090 },
        ],
      },
    ],
    ...overrides,
  };
}

const entry = { port: "http", host: "app.toolboxai.test" };

function kubernetesContext(tlsIssuer: string): KubernetesContext {
  return { ...unitContext, ingress: { className: "nginx", tlsIssuer } };
}

/** The parent every rendered workload gets, as a component gives its own. */
class Owner extends pulumi.ComponentResource {
  constructor(name: string) {
    super("toolboxai:test:Owner", name, {});
  }
}

async function kubernetesRender(tlsIssuer: string, specs: readonly WorkloadSpec[]) {
  const renderer = new KubernetesRenderer(kubernetesContext(tlsIssuer));
  const created = await captureResources(() => {
    for (const workload of specs) renderer.render(workload, new Owner(workload.name));
  });
  return { renderer, created: created as { type: string; inputs: any }[] };
}

describe("on Kubernetes", () => {
  test("a public entry is an Ingress of the controller's class, routing its host to its port", async () => {
    const { created } = await kubernetesRender("letsencrypt", [
      spec("gateway", { publicEntry: entry }),
    ]);
    const ingresses = created.filter((resource) => resource.inputs.kind === "Ingress");
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0].inputs;
    expect(ingress.metadata).toMatchObject({
      name: "gateway",
      namespace: "unit",
      annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
    });
    expect(ingress.spec).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["app.toolboxai.test"], secretName: "gateway-tls" }],
      rules: [
        {
          host: "app.toolboxai.test",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "gateway", port: { number: 8080 } } },
              },
            ],
          },
        },
      ],
    });
  });

  test("without an issuer the Ingress serves plain HTTP, and the URL says so", async () => {
    const { renderer, created } = await kubernetesRender("", [
      spec("gateway", { publicEntry: entry }),
    ]);
    const ingress = created.find((resource) => resource.inputs.kind === "Ingress")!.inputs;
    expect(ingress.spec.tls).toBeUndefined();
    expect(ingress.metadata.annotations ?? {}).not.toHaveProperty("cert-manager.io/cluster-issuer");
    expect(renderer.publicAddress("app.toolboxai.test")).toEqual({
      url: "http://app.toolboxai.test",
      behindProxy: true,
    });
    expect(new KubernetesRenderer(kubernetesContext("ca")).publicAddress("x.test").url).toBe(
      "https://x.test",
    );
  });

  test("a workload without a public entry gets no Ingress", async () => {
    const { created } = await kubernetesRender("letsencrypt", [spec("internal")]);
    expect(created.filter((resource) => resource.inputs.kind === "Ingress")).toEqual([]);
  });
});

describe("on Docker", () => {
  function dockerRenderer(parent: pulumi.Resource) {
    return new DockerRenderer({
      prefix: "toolboxai-unit",
      labels: { "app.kubernetes.io/instance": "toolboxai-unit" },
      publicPort: 18080,
      checksumKey: "unit-checksum-key",
      protectData: false,
      parent,
    });
  }

  test("a public entry's port, and only it, is published on the engine's port at 127.0.0.1", async () => {
    let url = "";
    const created = (await captureResources(() => {
      const renderer = dockerRenderer(new Owner("engine"));
      renderer.render(spec("gateway", { publicEntry: entry }), new Owner("gateway"));
      renderer.render(spec("internal"), new Owner("internal"));
      url = renderer.publicAddress("localhost").url;
      renderer.createFileHelper();
    })) as { type: string; inputs: any }[];
    const containers = created.filter(
      (resource) => resource.type === "docker:index/container:Container",
    );
    const published = containers.filter((container) => container.inputs.ports?.length);
    expect(published.map((container) => container.inputs.name)).toEqual(["toolboxai-unit-gateway"]);
    expect(published[0].inputs.ports).toEqual([
      { internal: 8080, external: 18080, ip: "127.0.0.1" },
    ]);
    expect(url).toBe("http://localhost:18080");
  });

  test("a second public entry on one engine is refused, naming both workloads", async () => {
    let error: unknown;
    await captureResources(() => {
      const renderer = dockerRenderer(new Owner("engine"));
      renderer.render(spec("gateway", { publicEntry: entry }), new Owner("gateway"));
      try {
        renderer.render(spec("grafana", { publicEntry: entry }), new Owner("grafana"));
      } catch (caught) {
        error = caught;
      }
      renderer.createFileHelper();
    });
    expect(String(error)).toContain(
      "workload grafana declares a public entry, but gateway already publishes host port 18080: " +
        "one public entry per engine",
    );
  });
});
