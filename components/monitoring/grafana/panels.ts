// Panel specs: the compact form a dashboard's rows are written in, their looks and builders.
import { datasourceUids, type DatasourceUid } from "../grafana-config";
import type { PlatformSource } from "../metrics-catalog";
import { compact, type FieldOverride, type LogsOptions, type PanelType } from "./model";

export type QuerySpec =
  | {
      readonly expr: string;
      readonly legendFormat?: string;
      readonly instant?: boolean;
      readonly format?: "table";
    }
  | { readonly rawSql: string };

export interface Look {
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
}

export interface PanelSpec extends Look {
  readonly type: PanelType;
  readonly title: string;
  readonly description: string;
  readonly datasource: DatasourceUid;
  readonly queries: readonly QuerySpec[];
  readonly overrides?: readonly FieldOverride[];
  readonly options?: LogsOptions;
  /** The platform source the panel reads; left out on a platform without it. */
  readonly source?: PlatformSource;
}

/** The panel, read from a source only some platforms offer. */
export const needs = (source: PlatformSource, spec: PanelSpec): PanelSpec => ({ ...spec, source });

export const q = (expr: string, legendFormat?: string): QuerySpec =>
  compact({ expr, legendFormat });

export const percent: Look = { unit: "percentunit", min: 0, max: 1 };
export const requestsPerSecond: Look = { unit: "reqps", min: 0 };
export const perSecond: Look = { unit: "ops", min: 0 };
export const seconds: Look = { unit: "s", min: 0 };
export const bytes: Look = { unit: "bytes", min: 0 };
export const count: Look = { unit: "short", min: 0 };

function prometheusPanel(type: "timeseries" | "stat" | "gauge" | "table") {
  return (title: string, description: string, look: Look, ...queries: QuerySpec[]): PanelSpec => ({
    type,
    title,
    description,
    datasource: datasourceUids.prometheus,
    queries,
    ...look,
  });
}
export const timeseries = prometheusPanel("timeseries");
export const stat = prometheusPanel("stat");
export const gauge = prometheusPanel("gauge");
export const table = prometheusPanel("table");
