import { computeAddress, keccak256, toUtf8Bytes, concat, getBytes } from "ethers";

/**
 * Agents' keys derive from one master secret and the agent id, so an account's address
 * depends on nothing but its id: adding an agent never moves another, and the model,
 * the in-process chain and a remote network see the same addresses. The default master
 * is public (like Hardhat's test mnemonic) and only for local chains; remote runs take
 * theirs from LOCKSTEP_MNEMONIC and never print it.
 */
export const DEV_MASTER = "lockstep development key: public, never fund it on a real network";

export interface KeyRing {
  privateKeyOf(id: string): string;
  addressOf(id: string): `0x${string}`;
}

/** Addresses by master and id, kept for the process: runs of an experiment share their agents. */
const addressCache = new Map<string, Map<string, `0x${string}`>>();

export function createKeyRing(master: string = DEV_MASTER): KeyRing {
  const masterHash = keccak256(toUtf8Bytes(master));
  let addresses = addressCache.get(masterHash);
  if (addresses === undefined) {
    addresses = new Map();
    addressCache.set(masterHash, addresses);
  }
  const privateKeyOf = (id: string): string => keccak256(concat([getBytes(masterHash), toUtf8Bytes(`/${id}`)]));
  return {
    privateKeyOf,
    addressOf(id) {
      let a = addresses!.get(id);
      if (a === undefined) {
        a = computeAddress(privateKeyOf(id)).toLowerCase() as `0x${string}`;
        addresses!.set(id, a);
      }
      return a;
    },
  };
}
