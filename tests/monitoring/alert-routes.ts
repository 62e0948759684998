// Every alert a route sends somewhere reaches someone, in each stack as its file stands: the
// Alertmanager configuration the real program renders (index.ts with Pulumi.<stack>.yaml under
// the mocks) gives every receiver a route uses, walking the whole route tree, at least one
// integration. Before issue 24 part 5 no stack file supplied one, and every alert was dropped;
// ./alert-routes.test.ts shows the same check fails on that configuration. One program run per
// test file: alert-routes-<stack>.test.ts each call describeAlertRoutes.
import { parse } from "yaml";
import { receiverNames } from "../../components/monitoring/alertmanager";
import type { ProgramRun } from "../../tools/engine/mock-engine";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";
import { sharedProgramRun } from "../support/program-runs";

/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON here */

interface Route {
  readonly receiver?: string;
  readonly routes?: readonly Route[];
}

/** The receivers the route tree sends to: the root's (the default) and every child's. */
export function routedReceivers(route: Route): string[] {
  return [
    ...new Set([
      ...(route.receiver ? [route.receiver] : []),
      ...(route.routes ?? []).flatMap(routedReceivers),
    ]),
  ];
}

/** The receiver that drops on purpose: Watchdog goes there, proving the pipeline runs. */
const silent = receiverNames.silent;

/** The receivers a route uses that have no integration (every `*_configs` list empty). */
export function receiversWithoutIntegration(config: any): string[] {
  const byName = new Map<string, any>(config.receivers.map((each: any) => [each.name, each]));
  return routedReceivers(config.route)
    .filter((name) => name !== silent)
    .filter((name) => {
      const receiver = byName.get(name) ?? {};
      return !Object.entries(receiver).some(
        ([field, value]) => field.endsWith("_configs") && Array.isArray(value) && value.length > 0,
      );
    });
}

/** The rendered alertmanager.yml: the ConfigMap's (Kubernetes), the file helper's (Docker). */
function renderedConfig(run: ProgramRun): string {
  for (const resource of run.resources) {
    const inputs = resource.inputs as any;
    if (inputs.kind === "ConfigMap" && inputs.metadata?.name === "alertmanager-config") {
      return inputs.data["alertmanager.yml"];
    }
    const upload = (inputs.uploads ?? []).find((each: any) =>
      String(each.file).endsWith("/alertmanager.yml"),
    );
    if (upload) return upload.content;
  }
  throw new Error("the run renders no alertmanager.yml");
}

/** The checks on one stack's rendered configuration; `destination`: where both kinds go. */
export function describeAlertRoutes(stack: string, destination: string): void {
  describe(`Pulumi.${stack}.yaml`, () => {
    let config: any;
    let text: string;
    beforeAll(async () => {
      text = renderedConfig(await sharedProgramRun(stack));
      config = parse(text);
    });

    test("every receiver a route uses has an integration", () => {
      expect(routedReceivers(config.route).sort()).toEqual(["chat", "null", "pager"]);
      expect(receiversWithoutIntegration(config)).toEqual([]);
    });

    test(`critical alerts and warnings both go to ${destination}`, () => {
      for (const name of [receiverNames.pager, receiverNames.chat]) {
        const receiver = config.receivers.find((each: any) => each.name === name);
        const urls = receiver.webhook_configs.map((each: any) => each.url);
        expect(urls.some((url: string) => url.startsWith(destination))).toBe(true);
      }
    });

    itWithTool("amtool")("amtool check-config accepts the rendered configuration", () => {
      const result = runMonitoringTool("amtool", ["check-config", "alertmanager.yml"], {
        "alertmanager.yml": text,
      });
      expect({ status: result.status, output: result.output }).toEqual({
        status: 0,
        output: expect.stringContaining("SUCCESS"),
      });
    });
  });
}
