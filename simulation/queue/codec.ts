/**
 * What crosses Redis between a coordinator and its queue workers, as JSON text that keeps what JSON drops: bigints
 * (every amount) as `{"$bigint":"<decimal>"}` and Maps (a sample's variables) as `{"$map":[[key, value], ...]}`.
 * Plain JSON, not V8's serialisation: workers on other machines may run another Node.js.
 */

export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key: string, v: unknown): unknown {
    if (typeof v === "bigint") return { $bigint: v.toString() };
    if (v instanceof Map) return { $map: [...v.entries()] };
    return v;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_key: string, v: unknown): unknown => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o["$bigint"] === "string" && Object.keys(o).length === 1) return BigInt(o["$bigint"]);
    if (Array.isArray(o["$map"]) && Object.keys(o).length === 1) return new Map(o["$map"] as [unknown, unknown][]);
    return v;
  }) as T;
}
