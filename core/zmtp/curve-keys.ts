// CURVE key pairs as Z85 strings, like zeromq.js's curveKeyPair() and libzmq's zmq_curve_keypair().
import type Nacl from 'tweetnacl';
import { lazyPackage } from './lazy-package.js';
import { curveKeyFrom, z85Encode } from './z85.js';

const nacl = lazyPackage<typeof Nacl>('tweetnacl');

export interface CurveKeyPair {
  /** 40 Z85 characters. */
  publicKey: string;
  /** 40 Z85 characters. */
  secretKey: string;
}

export function curveKeyPair(): CurveKeyPair {
  const pair = nacl().box.keyPair();
  return { publicKey: z85Encode(pair.publicKey), secretKey: z85Encode(pair.secretKey) };
}

/** The public key of a secret key (libzmq's zmq_curve_public), as Z85. Throws RangeError on a bad key. */
export function curvePublicKey(secretKey: string | Uint8Array): string {
  return z85Encode(nacl().scalarMult.base(curveKeyFrom(secretKey, 'CURVE secret key')));
}
