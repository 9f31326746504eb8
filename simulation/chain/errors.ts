import { ErrorFragment, Interface, type InterfaceAbi } from "ethers";
import type { DecodedError } from "../engine/types.js";
import { canonicalArg } from "../analysis/values.js";

/**
 * Decodes revert data into a custom error's name and canonical arguments (decimal
 * numbers, lower-case addresses), the form the model's ModelRevert is compared in.
 */
export interface ErrorDecoder {
  decode(data: string | undefined): DecodedError;
}

export function createErrorDecoder(abis: readonly InterfaceAbi[]): ErrorDecoder {
  const seen = new Set<string>();
  const fragments: ErrorFragment[] = [];
  const add = (f: ErrorFragment): void => {
    if (seen.has(f.selector)) return;
    seen.add(f.selector);
    fragments.push(f);
  };
  for (const abi of abis) for (const f of new Interface(abi).fragments) if (f instanceof ErrorFragment) add(f);
  add(ErrorFragment.from("error Panic(uint256 code)"));
  add(ErrorFragment.from("error Error(string message)"));
  const iface = new Interface(fragments);
  return {
    decode(data) {
      if (data === undefined || data === "0x" || data.length < 10) return { name: "(no revert data)", args: [] };
      const parsed = iface.parseError(data);
      if (parsed === null) return { name: `(unknown error ${data.slice(0, 10)})`, args: [data] };
      return { name: parsed.name, args: parsed.args.toArray().map(canonicalArg) };
    },
  };
}
