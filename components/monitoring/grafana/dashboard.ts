// A dashboard: its fixed settings around the variables and the laid-out rows of panels.
import { layout } from "./layout";
import type { Dashboard, Variable } from "./model";
import type { PanelSpec } from "./panels";

export function dashboard(
  uid: string,
  title: string,
  tags: readonly string[],
  variables: readonly Variable[],
  rows: readonly (readonly PanelSpec[])[],
): Dashboard {
  return {
    uid,
    title,
    tags,
    timezone: "browser",
    schemaVersion: 39,
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    templating: { list: variables },
    panels: layout(rows),
  };
}
