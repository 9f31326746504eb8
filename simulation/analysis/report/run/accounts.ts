/**
 * Which of a run's variables belong to an account: `<agent id>.<field>` for a field the mechanism compares for every
 * account (the manifest's `accountFields`). Everything else is a global variable of the mechanism.
 */

export interface AccountVariable {
  readonly entity: string;
  readonly field: string;
}

export interface AccountIndex {
  /** The account and field of a per-account variable; undefined for a global one. */
  of(variable: string): AccountVariable | undefined;
  /** The accounts, in the trace's order. */
  readonly entities: readonly string[];
  /** The accounts of each role, roles in the order their first account appears. */
  readonly byRole: ReadonlyMap<string, readonly string[]>;
  /** The per-account fields, as declared. */
  readonly fields: readonly string[];
}

/**
 * Indexes `variables`. A name `<prefix>.<field>` is an account's when `field` is an account field, the prefix has no
 * dot, is not a deployed contract's instance name (`vault.balance` is the vault's), and every variable of that prefix
 * has an account field (an account has nothing else).
 */
export function indexAccounts(
  variables: readonly string[],
  accountFields: readonly string[],
  instances: readonly string[] = [],
): AccountIndex {
  const fields = new Set(accountFields);
  const split = (v: string): AccountVariable | undefined => {
    const dot = v.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const entity = v.slice(0, dot);
    return entity.includes(".") ? undefined : { entity, field: v.slice(dot + 1) };
  };
  const notAccounts = new Set(instances);
  for (const v of variables) {
    const s = split(v);
    if (s !== undefined && !fields.has(s.field)) notAccounts.add(s.entity);
  }
  const index = new Map<string, AccountVariable>();
  const entities: string[] = [];
  const byRole = new Map<string, string[]>();
  for (const v of variables) {
    const s = split(v);
    if (s === undefined || !fields.has(s.field) || notAccounts.has(s.entity)) continue;
    index.set(v, s);
    if (byRole.get(roleOf(s.entity))?.includes(s.entity) === true) continue;
    entities.push(s.entity);
    const members = byRole.get(roleOf(s.entity)) ?? [];
    members.push(s.entity);
    byRole.set(roleOf(s.entity), members);
  }
  return { of: (v) => index.get(v), entities, byRole, fields: accountFields };
}

/** An account's role from its id: `seller-12` is a seller; a singleton (`keeper`) is its own role. */
export function roleOf(entity: string): string {
  return entity.replace(/-\d+$/, "");
}
