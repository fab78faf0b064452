// The workbench's ZAP handler (RFC 27): a ROUTER of our engine bound at inproc://zeromq.zap.01 in the
// workbench's context, answering every server socket there (PLAIN, CURVE, or NULL with a ZAP domain) from
// the policy the user sets in the UI. Without it a PLAIN server refuses every client, as libzmq does.
// The status text of a refusal names the user or key: it stays in this process (libzmq and this engine
// send only the status code to the peer) and reaches the socket's monitor event as the reason, from which
// security-events.ts makes the decision's row in that socket's timeline.
import { Context, Router, z85Encode } from './engine.js';
import { encodeZapReply, parseZapRequest, ZAP_ENDPOINT } from '../zmtp/mechanisms/zap.js';
import { zapPolicy, type ZapPolicy } from './protocol.js';
import { HostError } from './errors.js';
import { readPrivateFile, writePrivateFile } from './private-file.js';
import { formatIssues } from './validate.js';

export interface ZapDecision {
  allowed: boolean;
  /** PLAIN: the user name; CURVE: the client's public key (Z85); NULL: empty. Becomes the peer's User-Id. */
  user: string;
  statusCode: '200' | '400';
  statusText: string;
}

/** The policy a fresh workbench starts with: no PLAIN users, any CURVE client (libzmq's CURVE without a handler). */
export const DEFAULT_ZAP_POLICY: ZapPolicy = { plainUsers: [], curveAllowAny: true, curveKeys: [] };

/** Decides one request from its mechanism and credentials; pure, so it is tested without sockets. */
export function decideZap(policy: ZapPolicy, mechanism: string, credentials: readonly Buffer[]): ZapDecision {
  const allow = (user: string) => ({ allowed: true, user, statusCode: '200' as const, statusText: 'OK' });
  const refuse = (user: string, statusText: string) => ({ allowed: false, user, statusCode: '400' as const, statusText });
  if (mechanism === 'PLAIN') {
    const user = credentials[0].toString('utf8');
    const entry = policy.plainUsers.find((u) => u.username === user);
    if (!entry) {
      return refuse(
        user,
        policy.plainUsers.length === 0 ? `no PLAIN users are set up, so user '${user}' is refused` : `unknown PLAIN user '${user}'`,
      );
    }
    return entry.password === credentials[1].toString('utf8') ? allow(user) : refuse(user, `wrong password for PLAIN user '${user}'`);
  }
  if (mechanism === 'CURVE') {
    const key = z85Encode(credentials[0]);
    if (policy.curveAllowAny || policy.curveKeys.includes(key)) return allow(key);
    return refuse(key, `CURVE client key ${key} is not in the allowed list`);
  }
  return allow('');
}

/**
 * The ZAP policy kept in the settings directory (zap-policy.json), so PLAIN users and allowed CURVE keys
 * outlive the process (a restarted `zmtp serve`, the next desktop session). It holds PLAIN passwords,
 * which the ZAP handler must compare, so it is a private file (mode 0600, see private-file.ts); workspace
 * files, which get shared, still leave passwords out unless asked.
 */
export class ZapPolicyFile {
  constructor(readonly path: string) {}

  /** The saved policy, undefined when none was saved; throws HostError for a file that is not one. */
  load(): ZapPolicy | undefined {
    const text = readPrivateFile(this.path, 'ZAP policy');
    if (text === undefined) return undefined;
    const fix = 'setting the policy in a Security card replaces it';
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new HostError(`the ZAP policy file ${this.path} is not JSON (${(err as Error).message}); ${fix}`, 'EINVAL');
    }
    const file = json as { format?: unknown; version?: unknown; policy?: unknown } | null;
    if (file?.format !== 'zmq-inspector-zap-policy' || file.version !== 1) {
      throw new HostError(
        `the ZAP policy file ${this.path} is not a ZAP policy file (format zmq-inspector-zap-policy, version 1); ${fix}`,
        'EINVAL',
      );
    }
    const parsed = zapPolicy.safeParse(file.policy);
    if (!parsed.success)
      throw new HostError(`the ZAP policy file ${this.path} holds an invalid policy: ${formatIssues(parsed.error)}; ${fix}`, 'EINVAL');
    return parsed.data;
  }

  save(policy: ZapPolicy): void {
    writePrivateFile(this.path, `${JSON.stringify({ format: 'zmq-inspector-zap-policy', version: 1, policy }, null, 2)}\n`, 'ZAP policy');
  }
}

export class ZapHandler {
  private policy: ZapPolicy = DEFAULT_ZAP_POLICY;
  /** Why the saved policy could not be used (the default policy is in force until one is set). */
  private loadError: HostError | undefined;
  private readonly router: Router;

  constructor(
    context: Context,
    private readonly file?: ZapPolicyFile,
  ) {
    try {
      this.policy = file?.load() ?? DEFAULT_ZAP_POLICY;
    } catch (err) {
      this.loadError = err instanceof HostError ? err : new HostError(String(err), 'EIO');
    }
    this.router = new Router({ linger: 0 }, context);
    // The context is the workbench's own, so the name is free; an inproc bind completes at once.
    void this.router.bind(ZAP_ENDPOINT).then(
      () => this.serve(),
      () => {},
    );
  }

  /** The policy in force; throws while a saved policy that could not be read stands in for it. */
  get(): ZapPolicy {
    if (this.loadError) throw this.loadError;
    return structuredClone(this.policy);
  }

  /** Puts the policy in force at once and saves it; a policy that cannot be saved is refused, not half-applied. */
  set(policy: ZapPolicy): ZapPolicy {
    this.file?.save(policy);
    this.policy = structuredClone(policy);
    this.loadError = undefined;
    return this.get();
  }

  close(): void {
    this.router.close();
  }

  private async serve(): Promise<void> {
    while (!this.router.closed) {
      let msg: Buffer[];
      try {
        msg = await this.router.receive();
      } catch {
        return; // closed
      }
      const reply = this.answer(msg.slice(1));
      if (!reply) continue;
      try {
        await this.router.send([msg[0], ...reply]);
      } catch {
        // The asking connection is gone; its handshake has already failed.
      }
    }
  }

  /** The reply frames (with the empty delimiter) for one request, or nothing when it cannot be answered. */
  private answer(frames: Buffer[]): Buffer[] | undefined {
    const request = parseZapRequest(frames);
    if ('error' in request) {
      // RFC 27: 500 for a request the handler cannot process, when it has a request id to answer.
      const requestId = frames[0]?.length === 0 ? frames[2] : frames[1];
      return requestId ? encodeZapReply({ requestId, statusCode: '500', statusText: request.error }, { withDelimiter: true }) : undefined;
    }
    const verdict = decideZap(this.policy, request.mechanism, request.credentials);
    return encodeZapReply(
      {
        requestId: request.requestId,
        statusCode: verdict.statusCode,
        statusText: verdict.statusText,
        userId: verdict.allowed ? verdict.user : '',
      },
      { withDelimiter: true },
    );
  }
}
