/**
 * Lockstep's own check of a `hardhat sim ...` (or `hardhat bench`) command line, made before
 * Hardhat parses the task's arguments. Hardhat's parser rejects an unknown option, a repeated
 * option, a missing value or a stray argument with its own multi-line error and exit code 1;
 * Lockstep's promise is one line naming the option, the value and what was expected, and exit
 * code 2. So the same rules are checked here first, on the tasks' own definitions.
 *
 * The rules mirror Hardhat 3's CLI: `--name=value` is `--name value`; option names are the
 * kebab-case of the definitions' camelCase names; global options may appear anywhere; after
 * `--` every argument is positional. A command line this check does not understand (a short
 * option, `--help`) is left to Hardhat.
 */

/** What the check needs of a task: its options (name -> type) and its subtasks. */
export interface TaskShape {
  readonly options: ReadonlyMap<string, { readonly type: string }>;
  readonly subtasks: ReadonlyMap<string, TaskShape>;
  readonly isEmpty: boolean;
}

const kebab = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (kebabName: string): string => kebabName.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Option types that take no value on the command line. */
const VALUELESS = new Set(["FLAG"]);

/**
 * Returns the one-line error for `args` (the command line after `hardhat`), or undefined when
 * it is fine or is not one of `roots`' tasks. `globalOptions` maps each global option's
 * camelCase name to whether it takes a value.
 */
export function checkCommandLine(
  args: readonly string[],
  roots: ReadonlyMap<string, TaskShape>,
  globalOptions: ReadonlyMap<string, boolean>,
): string | undefined {
  const tokens = args.flatMap((a) => {
    const eq = a.indexOf("=");
    return a.startsWith("--") && eq > 2 ? [a.slice(0, eq), a.slice(eq + 1)] : [a];
  });
  // Global options first, wherever they are: they and their values are not the task's.
  const used = tokens.map(() => false);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "--") break;
    if (!t.startsWith("--")) continue;
    const takesValue = globalOptions.get(camel(t.slice(2)));
    if (takesValue === undefined) continue;
    if (t === "--help") return undefined;
    used[i] = true;
    if (takesValue && i + 1 < tokens.length) used[++i] = true;
  }
  // The task path: the first free words, as long as they name a task and its subtasks.
  let i = 0;
  const next = (): number => {
    while (i < tokens.length && used[i]) i++;
    return i;
  };
  if (next() >= tokens.length || tokens[i]!.startsWith("-")) return undefined;
  const root = roots.get(tokens[i]!);
  if (root === undefined) return undefined;
  let task: TaskShape = root;
  const path = [tokens[i]!];
  used[i] = true;
  for (;;) {
    if (next() >= tokens.length || tokens[i]!.startsWith("-")) break;
    const sub: TaskShape | undefined = task.subtasks.get(tokens[i]!);
    if (sub === undefined) {
      if (task.isEmpty) {
        return `Unknown command "${path.join(" ")} ${tokens[i]}": expected one of ${[...task.subtasks.keys()]
          .map((s) => `${path.join(" ")} ${s}`)
          .join(", ")}.`;
      }
      break;
    }
    task = sub;
    path.push(tokens[i]!);
    used[i] = true;
  }
  if (task.isEmpty) return undefined; // Hardhat prints the scope's help.
  const command = path.join(" ");
  const known = [...task.options.keys()].map((o) => `--${kebab(o)}`);
  const seen = new Set<string>();
  for (i = 0; i < tokens.length; i++) {
    if (used[i]) continue;
    const t = tokens[i]!;
    if (t === "--") {
      const rest = tokens.slice(i + 1);
      if (rest.length > 0)
        return `Unexpected argument "${rest[0]}" for ${command}: it takes only options (${known.join(", ")}).`;
      break;
    }
    if (!t.startsWith("--")) {
      if (t.startsWith("-") && t.length > 1) return undefined; // a short option: Hardhat's to judge
      return `Unexpected argument "${t}" for ${command}: it takes only options (${known.join(", ")}).`;
    }
    const name = camel(t.slice(2));
    const option = task.options.get(name);
    if (option === undefined) {
      return `Unknown option ${t} for ${command}: expected one of ${known.join(", ")}.`;
    }
    if (seen.has(name)) return `Option ${t} is given twice for ${command}: give it once.`;
    seen.add(name);
    if (VALUELESS.has(option.type)) {
      if (args.some((a) => a.startsWith(`${t}=`))) {
        return `Invalid option ${t}: it is a flag and takes no value (give ${t} alone).`;
      }
      continue;
    }
    const value = tokens[i + 1];
    if (value === undefined || (value.startsWith("--") && !args.includes(`${t}=${value}`))) {
      return `Missing value for option ${t} of ${command}: give ${t} <value>.`;
    }
    i++;
  }
  return undefined;
}
