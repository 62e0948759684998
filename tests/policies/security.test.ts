import { noPrivileged, runAsNonRoot } from "../../policies/security";
import { clone, compliantDeployment, messagesOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const container = (deployment: any) => deployment.spec.template.spec.containers[0];

describe("no-privileged-containers", () => {
  test("the compliant fixture passes", async () => {
    expect(await messagesOf(noPrivileged, [compliantDeployment()])).toEqual([]);
  });
  test("a privileged container is reported by name", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).securityContext.privileged = true;
    expect(await messagesOf(noPrivileged, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" runs privileged',
    ]);
  });
});

describe("run-as-non-root", () => {
  test("the compliant fixture passes", async () => {
    expect(await messagesOf(runAsNonRoot, [compliantDeployment()])).toEqual([]);
  });
  test("a UID below the minimum, and runAsNonRoot missing", async () => {
    const deployment = clone(compliantDeployment());
    delete deployment.spec.template.spec.securityContext.runAsNonRoot;
    delete container(deployment).securityContext.runAsNonRoot;
    container(deployment).securityContext.runAsUser = 999;
    expect(await messagesOf(runAsNonRoot, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" does not set runAsNonRoot: true',
      'Deployment toolboxai/api: container "api" runAsUser is 999; it must be at least 1001',
    ]);
  });
  test("the minimum is configurable, and an exemption is honoured and reported", async () => {
    const deployment = clone(compliantDeployment());
    expect(
      await messagesOf(runAsNonRoot, [deployment], { "run-as-non-root": { minimumId: 10000 } }),
    ).toEqual([
      'Deployment toolboxai/api: container "api" runAsUser is 1001; it must be at least 10000',
      'Deployment toolboxai/api: container "api" runAsGroup is 1001; it must be at least 10000',
    ]);
    const exempt = {
      "run-as-non-root": {
        minimumId: 10000,
        exemptions: [{ kind: "Deployment", name: "api", reason: "vendor image needs UID 1001" }],
      },
    };
    expect(await messagesOf(runAsNonRoot, [deployment], exempt)).toEqual([]);
  });
});
