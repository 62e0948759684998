// A dashboard: its fixed settings around the variables and the laid-out rows of panels.
import type { PlatformKind } from "../../config/schema";
import { offers } from "../metrics-catalog";
import { layout } from "./layout";
import type { Dashboard, Variable } from "./model";
import type { PanelSpec } from "./panels";

export interface DashboardHeader {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly variables: readonly Variable[];
  /** The panels reading a source this platform lacks are left out, and rows left empty too. */
  readonly platform: PlatformKind;
}

export function dashboard(
  header: DashboardHeader,
  rows: readonly (readonly PanelSpec[])[],
): Dashboard {
  // A row the platform emptied goes; a row written empty stays, for layout to refuse.
  const offered = rows
    .map((row) => row.filter((spec) => offers(header.platform, spec.source)))
    .filter((row, index) => row.length > 0 || rows[index].length === 0);
  return {
    uid: header.uid,
    title: header.title,
    tags: header.tags,
    timezone: "browser",
    schemaVersion: 39,
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    templating: { list: header.variables },
    panels: layout(offered),
  };
}
