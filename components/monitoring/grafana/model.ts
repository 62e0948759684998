// Grafana's dashboard JSON model (the typed subset the dashboards use) and its small constructors.
import { datasourceTypes, type DatasourceUid } from "../grafana-config";

export type PanelType = "timeseries" | "stat" | "gauge" | "table" | "logs";

export interface DatasourceRef {
  readonly type: string;
  readonly uid: DatasourceUid;
}

/** A PromQL (Prometheus) or LogQL (Loki) query. */
export interface ExprTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly expr: string;
  readonly legendFormat?: string;
  /** One evaluation at the end of the time range, as a table wants it. */
  readonly instant?: boolean;
  readonly format?: "time_series" | "table";
}

/** A raw SQL query of the PostgreSQL datasource. */
export interface SqlTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly rawSql: string;
  readonly format: "table";
  readonly rawQuery: true;
  readonly editorMode: "code";
}

export type Target = ExprTarget | SqlTarget;

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface FieldOverride {
  readonly matcher: { readonly id: string; readonly options: string };
  readonly properties: readonly { readonly id: string; readonly value: unknown }[];
}

export interface FieldConfig {
  readonly defaults: { readonly unit?: string; readonly min?: number; readonly max?: number };
  readonly overrides: readonly FieldOverride[];
}

export interface LogsOptions {
  readonly showTime: boolean;
  readonly wrapLogMessage: boolean;
  readonly enableLogDetails: boolean;
  readonly sortOrder: "Descending" | "Ascending";
  readonly dedupStrategy: "none";
}

export interface Panel {
  readonly id: number;
  readonly type: PanelType;
  readonly title: string;
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly Target[];
  readonly fieldConfig: FieldConfig;
  readonly options?: LogsOptions;
}

/** A variable whose values a Prometheus query lists, e.g. `label_values(metric, label)`. */
export interface QueryVariable {
  readonly type: "query";
  readonly name: string;
  readonly label: string;
  readonly datasource: DatasourceRef;
  readonly query: string;
  readonly definition: string;
  /** 1: when the dashboard loads; 2: when the time range changes. */
  readonly refresh: 1 | 2;
  readonly includeAll: boolean;
  readonly multi: boolean;
  /** 1: alphabetical, ascending. */
  readonly sort: number;
}

export interface VariableOption {
  readonly text: string;
  readonly value: string;
  readonly selected: boolean;
}

/** A variable with a fixed list of values (comma-separated in `query`). */
export interface CustomVariable {
  readonly type: "custom";
  readonly name: string;
  readonly label: string;
  readonly query: string;
  readonly includeAll: boolean;
  readonly multi: boolean;
  readonly current: { readonly text: string; readonly value: string };
  readonly options: readonly VariableOption[];
}

export type Variable = QueryVariable | CustomVariable;

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: "browser";
  readonly schemaVersion: 39;
  readonly editable: false;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly Panel[];
}

/** Grafana's grid is 24 columns wide. */
export const gridColumns = 24;

/** Drops the keys whose value is undefined, so the dashboard survives a JSON round trip. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

export const datasource = (uid: DatasourceUid): DatasourceRef => ({
  type: datasourceTypes[uid],
  uid,
});
