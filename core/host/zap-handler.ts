// The workbench's ZAP handler (RFC 27): a ROUTER of our engine bound at inproc://zeromq.zap.01 in the
// workbench's context, answering every server socket there (PLAIN, CURVE, or NULL with a ZAP domain) from
// the policy the user sets in the UI. Without it a PLAIN server refuses every client, as libzmq does.
// The status text of a refusal names the user or key: it stays in this process (libzmq and this engine
// send only the status code to the peer) and reaches the socket's monitor event as the reason, from which
// security-events.ts makes the decision's row in that socket's timeline.
import { Context, Router, z85Encode } from './engine.js';
import { encodeZapReply, parseZapRequest, ZAP_ENDPOINT } from '../zmtp/mechanisms/zap.js';
import type { ZapPolicy } from './protocol.js';

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
      return refuse(user, policy.plainUsers.length === 0
        ? `no PLAIN users are set up, so user '${user}' is refused`
        : `unknown PLAIN user '${user}'`);
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

export class ZapHandler {
  private policy: ZapPolicy = DEFAULT_ZAP_POLICY;
  private readonly router: Router;

  constructor(context: Context) {
    this.router = new Router({ linger: 0 }, context);
    // The context is the workbench's own, so the name is free; an inproc bind completes at once.
    void this.router.bind(ZAP_ENDPOINT).then(() => this.serve(), () => {});
  }

  get(): ZapPolicy {
    return structuredClone(this.policy);
  }

  set(policy: ZapPolicy): ZapPolicy {
    this.policy = structuredClone(policy);
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
    return encodeZapReply({
      requestId: request.requestId, statusCode: verdict.statusCode, statusText: verdict.statusText,
      userId: verdict.allowed ? verdict.user : '',
    }, { withDelimiter: true });
  }
}
