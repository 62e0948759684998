// The layout: numbers a dashboard's panel specs and places them on Grafana's 24-column grid.
import type { DatasourceUid } from "../grafana-config";
import {
  compact,
  datasource,
  gridColumns,
  type GridPos,
  type Panel,
  type PanelType,
  type Target,
} from "./model";
import type { PanelSpec, QuerySpec } from "./panels";

/** Rows of panels of one height: the tallest panel type of the row decides. */
const heights: Readonly<Record<PanelType, number>> = {
  stat: 4,
  gauge: 5,
  timeseries: 8,
  table: 9,
  logs: 12,
};

function refId(index: number): string {
  return String.fromCharCode("A".charCodeAt(0) + index);
}

function target(spec: QuerySpec, uid: DatasourceUid, index: number): Target {
  const base = { refId: refId(index), datasource: datasource(uid) };
  if ("rawSql" in spec) {
    return { ...base, rawSql: spec.rawSql, format: "table", rawQuery: true, editorMode: "code" };
  }
  return compact({ ...base, ...spec });
}

function panel(spec: PanelSpec, id: number, gridPos: GridPos): Panel {
  return compact({
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos,
    datasource: datasource(spec.datasource),
    targets: spec.queries.map((query, index) => target(query, spec.datasource, index)),
    fieldConfig: {
      defaults: compact({ unit: spec.unit, min: spec.min, max: spec.max }),
      overrides: spec.overrides ?? [],
    },
    options: spec.options,
  });
}

/**
 * Numbers the panels from 1 and places them row by row: the panels of a row share the 24
 * columns (the first ones a column wider when they do not divide evenly) and the row's height.
 */
export function layout(rows: readonly (readonly PanelSpec[])[]): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  for (const row of rows) {
    if (row.length === 0 || row.length > gridColumns) {
      throw new Error(`A dashboard row holds 1 to ${gridColumns} panels, not ${row.length}`);
    }
    const width = Math.floor(gridColumns / row.length);
    const wider = gridColumns - width * row.length;
    const h = Math.max(...row.map((spec) => heights[spec.type]));
    let x = 0;
    row.forEach((spec, index) => {
      const w = width + (index < wider ? 1 : 0);
      panels.push(panel(spec, panels.length + 1, { x, y, w, h }));
      x += w;
    });
    y += h;
  }
  return panels;
}
