// SPDX-License-Identifier: MIT
//
// The types atlasperf's Grafana dashboards are checked against with
// `tsc --noEmit` (tests/grafana/test-grafana). gen_types.py writes one .ts
// per dashboard that assigns the dashboard JSON to an `AtlasDashboard`
// constant and each panel to a `PanelOf<type>` constant. The types come
// from @grafana/schema (pinned in package.json); only the InfluxQL query
// model, which @grafana/schema does not ship, is written out here, after
// Grafana's public/app/plugins/datasource/influxdb/types.ts.
import type {
  DataSourceRef,
  Dashboard,
  FieldConfig,
  HideableFieldConfig,
  MatcherConfig,
  Panel,
  RowPanel,
} from "@grafana/schema";
import type * as BarGauge from "@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen";
import type * as Geomap from "@grafana/schema/dist/esm/raw/composable/geomap/panelcfg/x/GeomapPanelCfg_types.gen";
import type * as Heatmap from "@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen";
import type * as Stat from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type * as Table from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import type * as TimeSeries from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

// JSON has no enums. @grafana/schema declares string enums
// (`enum GraphDrawStyle { Line = "line", ... }`), and TypeScript does not
// accept the string "line" where a `GraphDrawStyle` is wanted. Json<T>
// replaces every string enum by the union of its values
// (`${GraphDrawStyle}` is "line" | "bars" | "points"), so a JSON string
// type-checks exactly when it is one of the enum's values, and keeps
// everything else: object keys (so excess-property checks still reject a
// misspelled key), optionality, numeric enums (a JSON number must be a
// member), arrays.
export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

// The dashboard as a whole: the model of @grafana/schema.
export type AtlasDashboard = Json<Dashboard>;

// ---- InfluxQL queries ----------------------------------------------------

interface InfluxQueryPart {
  type: string;
  params?: Array<string | number>;
}

interface InfluxQueryTag {
  key: string;
  operator?: string;
  condition?: string;
  value: string;
}

// Grafana's InfluxQuery (public/app/plugins/datasource/influxdb/types.ts)
// extends DataQuery (refId, hide, key, queryType, datasource).
interface InfluxQuery {
  refId: string;
  hide?: boolean;
  key?: string;
  queryType?: string;
  datasource?: DataSourceRef | null;
  policy?: string;
  measurement?: string;
  resultFormat?: "time_series" | "table" | "logs";
  orderByTime?: string;
  tags?: InfluxQueryTag[];
  groupBy?: InfluxQueryPart[];
  select?: InfluxQueryPart[][];
  limit?: string | number;
  slimit?: string | number;
  tz?: string;
  fill?: string;
  rawQuery?: boolean;
  query?: string;
  alias?: string;
}

// atlasperf's panels use raw InfluxQL only, and name their data source.
export type AtlasQuery = InfluxQuery & {
  rawQuery: true;
  query: string;
  datasource: DataSourceRef;
};

// ---- panels --------------------------------------------------------------

// The panel plugins atlasperf uses: their options and their field
// config's `custom` part. A panel of any other type does not type-check.
interface PanelKinds {
  timeseries: { options: TimeSeries.Options; custom: TimeSeries.FieldConfig };
  stat: { options: Stat.Options; custom: Record<string, never> };
  bargauge: { options: BarGauge.Options; custom: Record<string, never> };
  table: { options: Table.Options; custom: Table.FieldConfig };
  heatmap: { options: Heatmap.Options; custom: Heatmap.FieldConfig };
  geomap: { options: Geomap.Options; custom: HideableFieldConfig };
}

type StdFieldConfig = Omit<FieldConfig, "custom">;

// One override property: a standard field option by its name, or a custom
// one as `custom.<name>`, each with the value type of that option.
type OverrideProperty<C> =
  | { [K in keyof StdFieldConfig & string]-?: { id: K; value?: StdFieldConfig[K] } }[keyof StdFieldConfig & string]
  | { [K in keyof C & string]-?: { id: `custom.${K}`; value?: C[K] } }[keyof C & string];

type PanelModel<K extends keyof PanelKinds> = Omit<
  Panel,
  "type" | "options" | "fieldConfig" | "targets" | "datasource" | "id"
> & {
  id: number;
  type: K;
  datasource: DataSourceRef;
  targets: AtlasQuery[];
  options: PanelKinds[K]["options"];
  fieldConfig: {
    defaults: StdFieldConfig & { custom?: PanelKinds[K]["custom"] };
    overrides: Array<{
      matcher: MatcherConfig;
      properties: Array<OverrideProperty<PanelKinds[K]["custom"]>>;
    }>;
  };
};

export type PanelOf<K extends keyof PanelKinds> = Json<PanelModel<K>>;
export type RowOf = Json<RowPanel>;
