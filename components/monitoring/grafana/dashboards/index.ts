// The five dashboards of the design, in order, and their provisioning files.
import type { Dashboard } from "../model";
import { database } from "./database";
import { loadBalancing } from "./load-balancing";
import type { DashboardOptions } from "./options";
import { overview } from "./overview";
import { security } from "./security";
import { unified } from "./unified";

/**
 * The five dashboards of the design, with the panels the platform has data for: a dashboard
 * left without any would be left out.
 */
export function dashboards(options: DashboardOptions): Dashboard[] {
  if (options.appJobs.length === 0) {
    throw new Error("The dashboards need at least one app job for their `job` variable");
  }
  const tags = (topic: string) => ["toolboxai", options.environment, topic];
  return [unified, security, loadBalancing, overview, database]
    .map((build) => build(options, tags))
    .filter((item) => item.panels.length > 0);
}

/** The provisioning files: `<uid>.json` for the dashboard provider's folder. */
export function dashboardFiles(list: readonly Dashboard[]): Record<string, string> {
  return Object.fromEntries(
    list.map((item) => [`${item.uid}.json`, `${JSON.stringify(item, null, 2)}\n`]),
  );
}
