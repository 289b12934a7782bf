// Grafana's published dashboard schema (@grafana/schema, pinned in package.json), as JSON sees it:
// the schema's TypeScript enums (ThresholdsMode, MappingType, ...) become their string or number
// values, everything else is the schema's own type, checked with --strict (excess keys are errors).
import type { Dashboard } from "@grafana/schema";

type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

export type DashboardJson = Json<Dashboard>;
