// Which destination a call talks to. Callers ask here and get a Destination, never a kind: an
// engine's `destinations` pick one per target; without them, tables live in its embedded
// DuckDB warehouse (the default destination).
import type { Destination, DestinationTarget, Destinations } from "./destination";
import { duckdbDestinations } from "./duckdb-warehouse";
import type { Warehouse } from "./duckdb/warehouse";

export function destinationOf(engine: { warehouse: Warehouse; destinations?: Destinations }, target: DestinationTarget): Destination {
  return (engine.destinations ?? duckdbDestinations(engine.warehouse))(target);
}
