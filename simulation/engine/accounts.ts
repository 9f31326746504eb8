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

/** Key rings by master, kept for the process: runs of an experiment share their agents' addresses. */
const rings = new Map<string, KeyRing>();

export function createKeyRing(master: string = DEV_MASTER): KeyRing {
  let ring = rings.get(master);
  if (ring === undefined) {
    const masterHash = getBytes(keccak256(toUtf8Bytes(master)));
    const addresses = new Map<string, `0x${string}`>();
    const privateKeyOf = (id: string): string => keccak256(concat([masterHash, toUtf8Bytes(`/${id}`)]));
    ring = {
      privateKeyOf,
      addressOf(id) {
        let a = addresses.get(id);
        if (a === undefined) {
          a = computeAddress(privateKeyOf(id)).toLowerCase() as `0x${string}`;
          addresses.set(id, a);
        }
        return a;
      },
    };
    rings.set(master, ring);
  }
  return ring;
}
