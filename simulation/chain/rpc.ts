import type { Eip1193Provider } from "../engine/types.js";

export function toQuantity(n: bigint | number): string {
  return "0x" + BigInt(n).toString(16);
}

export async function rpc<T = unknown>(
  provider: Eip1193Provider,
  method: string,
  params: readonly unknown[] = [],
): Promise<T> {
  return (await provider.request({ method, params })) as T;
}

export interface Receipt {
  readonly transactionHash: string;
  readonly blockNumber: string;
  readonly transactionIndex: string;
  readonly gasUsed: string;
  readonly status: string;
  readonly contractAddress: string | null;
  readonly logs?: readonly { readonly address: string; readonly topics: readonly string[]; readonly data: string }[];
}
