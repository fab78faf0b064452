// Builds the Mechanism object for a new connection through the security mechanisms' factory, turning
// unusable options (bad CURVE keys, ...) into a message the connection reports instead of a throw.
import { createMechanism } from '../zmtp/mechanisms/index.js';
import type { Mechanism, MechanismOptions } from '../zmtp/mechanisms/mechanism.js';

export type EngineMechanismOptions = MechanismOptions & { socketOptions: Record<string, unknown> };

export function createEngineMechanism(name: 'NULL' | 'PLAIN' | 'CURVE', opts: EngineMechanismOptions): Mechanism | string {
  try {
    return createMechanism(name, opts);
  } catch (e) {
    return `cannot set up ${name} security: ${(e as Error).message}`;
  }
}
