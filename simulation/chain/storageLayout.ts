/**
 * State variables located through the compiler's storage layout, never by a slot number
 * written by hand. A variable is named as in the source, with member and index accesses:
 *
 *   _totalSupply                       a value in its own slot (or packed with others)
 *   _balances[$account]                a mapping entry, keyed by an address
 *   _exchangeCountByState[2]           an element of a fixed-size array
 *   _offers[1].price                   a member of a struct in a mapping
 *   _earners.length, _earners[0]       a dynamic array's length and elements
 *
 * A key is a decimal or hex integer, an address (0x + 40 hex digits), `true`/`false`, or a
 * `$name` that the caller resolves (a deployed contract, the sampled account). `resolveSlot`
 * turns a parsed path and its keys into the slot to read and how to decode the word there;
 * Solidity's rules: a mapping's entry for key k of a mapping at slot p is at
 * keccak256(pad32(k) . pad32(p)); a dynamic array's data starts at keccak256(pad32(p));
 * value types smaller than a word share a slot, at the byte offset the layout gives.
 */
import { keccak256 } from "ethers";
import { UserError } from "../engine/errors.js";

/** The compiler's `storageLayout` output for one contract (the parts read here). */
export interface StorageLayout {
  readonly storage: readonly StorageEntry[];
  readonly types: Readonly<Record<string, StorageType>> | null;
}

export interface StorageEntry {
  readonly label: string;
  readonly slot: string;
  readonly offset: number;
  readonly type: string;
}

export interface StorageType {
  readonly encoding: "inplace" | "mapping" | "dynamic_array" | "bytes";
  readonly label: string;
  readonly numberOfBytes: string;
  readonly key?: string;
  readonly value?: string;
  readonly base?: string;
  readonly members?: readonly StorageEntry[];
}

/** One step of a path after the variable's name. */
export type PathStep =
  | { readonly kind: "member"; readonly name: string }
  | { readonly kind: "index"; readonly key: PathKey }
  | { readonly kind: "length" };

/** An index: a literal, or a name the caller resolves to a value (`$account`, `$escrow`). */
export type PathKey =
  { readonly kind: "literal"; readonly value: bigint } | { readonly kind: "ref"; readonly name: string };

export interface StoragePath {
  readonly variable: string;
  readonly steps: readonly PathStep[];
}

/** How the word at a slot becomes the variable's value. */
export interface SlotValue {
  readonly slot: bigint;
  /** Byte offset of the value in the word, from the right (the layout's `offset`). */
  readonly offset: number;
  readonly bytes: number;
  readonly decode: "uint" | "int" | "bool" | "address";
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*/;
const REF = /^\$[A-Za-z_][A-Za-z0-9_.-]*/;

/** Parses `name(.member|[key]|.length)*`; throws a UserError naming `where` on bad syntax. */
export function parseStoragePath(text: string, where: string): StoragePath {
  const fail = (why: string): never => {
    throw new UserError(
      `Invalid state variable ${JSON.stringify(text)} in ${where}: ${why} ` +
        `(expected a name as in the source, with .member, [key] and .length, e.g. _balances[$account]).`,
    );
  };
  const head = IDENT.exec(text);
  if (head === null) return fail("it does not start with a variable name");
  let rest = text.slice(head[0].length);
  const steps: PathStep[] = [];
  while (rest.length > 0) {
    if (rest.startsWith(".")) {
      const m = IDENT.exec(rest.slice(1));
      if (m === null) return fail(`nothing names a member after "."`);
      steps.push(m[0] === "length" ? { kind: "length" } : { kind: "member", name: m[0] });
      rest = rest.slice(1 + m[0].length);
    } else if (rest.startsWith("[")) {
      const close = rest.indexOf("]");
      if (close < 0) return fail(`a "[" is not closed`);
      steps.push({ kind: "index", key: parseKey(rest.slice(1, close).trim(), fail) });
      rest = rest.slice(close + 1);
    } else {
      return fail(`unexpected ${JSON.stringify(rest[0])}`);
    }
  }
  return { variable: head[0], steps };
}

function parseKey(text: string, fail: (why: string) => never): PathKey {
  if (REF.test(text) && REF.exec(text)![0] === text) return { kind: "ref", name: text.slice(1) };
  if (text === "true" || text === "false") return { kind: "literal", value: text === "true" ? 1n : 0n };
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) return { kind: "literal", value: BigInt(text) };
  return fail(`the key ${JSON.stringify(text)} is not a number, an address, true/false or a $name`);
}

const WORD = 2n ** 256n;
/** A word in [0, 2^256) as 64 hex digits. */
const pad32 = (n: bigint): string => n.toString(16).padStart(64, "0");

/** keccak256 of words, as Solidity hashes `abi.encode(a, b)` for a mapping slot. */
function hashWords(...words: bigint[]): bigint {
  return BigInt(keccak256("0x" + words.map(pad32).join("")));
}

/**
 * The slot and decoding of `path` in `layout`, with `$` keys resolved by `ref`. `where`
 * names the variable in messages ("variable escrow.totalEncumbered of mechanism boson").
 */
export function resolveSlot(
  layout: StorageLayout,
  path: StoragePath,
  ref: (name: string) => bigint,
  where: string,
): SlotValue {
  const types = layout.types ?? {};
  const fail = (why: string): never => {
    throw new UserError(`State variable ${describePath(path)} of ${where}: ${why}.`);
  };
  const entry = layout.storage.find((e) => e.label === path.variable);
  if (entry === undefined) {
    const known = layout.storage.map((e) => e.label);
    return fail(`no such state variable (the contract has ${known.length > 0 ? known.join(", ") : "none"})`);
  }
  let slot = BigInt(entry.slot);
  let offset = entry.offset;
  let typeId = entry.type;
  for (const step of path.steps) {
    const type = types[typeId];
    if (type === undefined) return fail(`the compiler's layout does not describe ${typeId}`);
    if (step.kind === "member") {
      const member = type.members?.find((m) => m.label === step.name);
      if (member === undefined) {
        return fail(
          type.members === undefined
            ? `${type.label} has no members (.${step.name})`
            : `${type.label} has no member ${step.name} (it has ${type.members.map((m) => m.label).join(", ")})`,
        );
      }
      slot += BigInt(member.slot);
      offset = member.offset;
      typeId = member.type;
    } else if (step.kind === "length") {
      if (type.encoding !== "dynamic_array") return fail(`.length applies to a dynamic array, not ${type.label}`);
      typeId = "t_uint256";
      offset = 0;
    } else {
      const key = step.key.kind === "literal" ? step.key.value : ref(step.key.name);
      if (type.encoding === "mapping") {
        const keyType = types[type.key!];
        if (keyType === undefined || keyType.encoding !== "inplace") {
          return fail(`a mapping keyed by ${keyType?.label ?? type.key} cannot be read by key here`);
        }
        if (key < 0n || key >= WORD) return fail(`the key ${key} does not fit a word`);
        slot = hashWords(key, slot);
        offset = 0;
        typeId = type.value!;
      } else if (type.encoding === "inplace" && type.base !== undefined) {
        const length = staticLength(type);
        if (key < 0n || key >= length) return fail(`index ${key} is outside ${type.label}`);
        ({ slot, offset } = element(types, type.base, slot, key));
        typeId = type.base;
      } else if (type.encoding === "dynamic_array") {
        if (key < 0n || key >= WORD) return fail(`index ${key} does not fit a word`);
        ({ slot, offset } = element(types, type.base!, hashWords(slot), key));
        typeId = type.base!;
      } else {
        return fail(`${type.label} cannot be indexed`);
      }
    }
  }
  const type = types[typeId];
  const label = type?.label ?? typeId;
  if (type === undefined || type.encoding !== "inplace" || type.members !== undefined || type.base !== undefined) {
    return fail(`it is a ${label}, not a value: name one of its members or elements`);
  }
  return { slot, offset, bytes: Number(type.numberOfBytes), decode: decodingOf(label) };
}

function staticLength(type: StorageType): bigint {
  const m = /\[(\d+)\]$/.exec(type.label);
  return m === null ? 0n : BigInt(m[1]!);
}

/** Where element `i` of an array of `base` starting at `slot` lives: small elements pack into words. */
function element(
  types: Readonly<Record<string, StorageType>>,
  base: string,
  slot: bigint,
  i: bigint,
): { slot: bigint; offset: number } {
  const size = BigInt(types[base]?.numberOfBytes ?? "32");
  if (size >= 32n) return { slot: slot + i * ((size + 31n) / 32n), offset: 0 };
  const perWord = 32n / size;
  return { slot: slot + i / perWord, offset: Number((i % perWord) * size) };
}

function decodingOf(label: string): SlotValue["decode"] {
  if (/^int\d*$/.test(label)) return "int";
  if (label === "bool") return "bool";
  if (label === "address" || label.startsWith("contract ") || label === "address payable") return "address";
  return "uint"; // uintN, enums, bytesN: their unsigned value
}

/** The value of `v` in the storage word `word`. */
export function decodeSlotValue(v: SlotValue, word: bigint): bigint {
  const bits = BigInt(v.bytes * 8);
  const raw = (word >> BigInt(v.offset * 8)) & ((1n << bits) - 1n);
  if (v.decode === "int" && raw >> (bits - 1n) === 1n) return raw - (1n << bits);
  return raw;
}

export function describePath(path: StoragePath): string {
  return (
    path.variable +
    path.steps
      .map((s) =>
        s.kind === "member"
          ? `.${s.name}`
          : s.kind === "length"
            ? ".length"
            : `[${s.key.kind === "ref" ? `$${s.key.name}` : s.key.value.toString()}]`,
      )
      .join("")
  );
}
