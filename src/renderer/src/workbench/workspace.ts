// Workspace files: the workbench's sockets (type, name, options, endpoints) and templates as JSON. Secrets
// (CURVE secret keys, PLAIN passwords) stay out unless the user asks for them, since workspace files get
// shared and committed; a socket opened without its CURVE secret key gets a new key pair, and says so.
// The ZAP policy goes along (CURVE client keys are public; PLAIN passwords only with the secrets).
import type { SocketInfo, SocketType, ZapPolicy } from '../../../../core/host/protocol.js';

export interface WorkspaceSocket {
  type: SocketType;
  name: string;
  options: Record<string, unknown>;
  endpoints: { kind: 'bind' | 'connect'; endpoint: string; resolved?: string }[];
}

export interface Workspace<T = unknown> {
  format: 'zmq-inspector-workspace';
  version: 1;
  sockets: WorkspaceSocket[];
  templates: T[];
  /** The ZAP policy; a PLAIN user's password is there only when saved with secrets. */
  zap?: Omit<ZapPolicy, 'plainUsers'> & { plainUsers: { username: string; password?: string }[] };
}

/** Options that are secrets: left out of a workspace unless asked for. */
export const SECRET_OPTIONS = ['curveSecretKey', 'plainPassword', 'socksPassword'] as const;

/** The host gives every sending socket this send timeout when none is set; not worth saving. */
const DEFAULT_SEND_TIMEOUT_MS = 2000;

/** A socket's options as the user would write them: without the host's default send timeout, secrets only if asked. */
export function savedOptions(s: SocketInfo, includeSecrets: boolean): Record<string, unknown> {
  const options: Record<string, unknown> = { ...s.options };
  if (options.sendTimeout === DEFAULT_SEND_TIMEOUT_MS) delete options.sendTimeout;
  if (!includeSecrets) for (const k of SECRET_OPTIONS) delete options[k];
  return options;
}

export function toWorkspace<T>(sockets: SocketInfo[], templates: T[], includeSecrets: boolean, zap?: ZapPolicy): Workspace<T> {
  return {
    format: 'zmq-inspector-workspace',
    version: 1,
    templates,
    ...(zap ? { zap: { ...zap, plainUsers: zap.plainUsers.map((u) => (includeSecrets ? { ...u } : { username: u.username })) } } : {}),
    sockets: sockets.map((s) => {
      const options = savedOptions(s, includeSecrets);
      return {
        type: s.type,
        name: s.name,
        options,
        endpoints: s.endpoints.map((e) => ({
          kind: e.kind,
          endpoint: e.requested,
          ...(e.endpoint !== e.requested ? { resolved: e.endpoint } : {}),
        })),
      };
    }),
  };
}

/**
 * The ZAP policy to apply when a workspace opens: users saved without a password are left out (a user
 * with no password would only be refused) and named, so the user can add them again.
 */
export function zapToApply(zap: NonNullable<Workspace['zap']>): { policy: ZapPolicy; withoutPassword: string[] } {
  const users = Array.isArray(zap.plainUsers) ? zap.plainUsers : [];
  return {
    policy: {
      plainUsers: users.filter((u) => typeof u.password === 'string').map((u) => ({ username: u.username, password: u.password! })),
      curveAllowAny: zap.curveAllowAny,
      curveKeys: zap.curveKeys,
    },
    withoutPassword: users.filter((u) => typeof u.password !== 'string').map((u) => String(u.username)),
  };
}

/**
 * What a saved socket lacks to open as it was: a CURVE socket with a public key but no secret key
 * (saved without secrets) cannot use that key pair; a PLAIN client, or a SOCKS user, has no password.
 */
export function missingSecrets(options: Record<string, unknown>): {
  curveKeyPair: boolean;
  plainPassword: boolean;
  socksPassword: boolean;
} {
  return {
    curveKeyPair: typeof options.curvePublicKey === 'string' && options.curveSecretKey === undefined,
    plainPassword: typeof options.plainUsername === 'string' && options.plainPassword === undefined,
    socksPassword: typeof options.socksUsername === 'string' && options.socksUsername !== '' && options.socksPassword === undefined,
  };
}
