// What decoded frames mean: the ZMTP 1.0/2.0 identity frame, commands (security handshakes, READY,
// ERROR, SUBSCRIBE/CANCEL, PING/PONG), and messages with their envelopes, legacy subscriptions and
// REQ/REP pairing. Frames come here from the phase machine (phase-machine.ts) and from ZWS (zws-stream.ts).
import { diagnose, type Diagnostic } from '../capture/diagnostics.js';
import { parseCommand, parseLegacySubscription, splitCommand } from '../zmtp/commands.js';
import { REVISION_3 } from '../zmtp/greeting.js';
import { decodeMetadata, getProperty } from '../zmtp/metadata.js';
import { heldCount, holdFrame } from './held-message.js';
import type { CommandRecord, GreetingRecord, ZmtpVersion } from './records.js';
import { describeSecurity } from './security.js';
import type { SniffCore } from './sniff-core.js';
import { recordBase, updateState, type ConnState, type DirState } from './stream-state.js';

const ENVELOPE_TYPES = new Set(['REQ', 'REP', 'ROUTER', 'DEALER']);
const SUBSCRIBER_TYPES = new Set(['SUB', 'XSUB']);
const PUBLISHER_TYPES = new Set(['PUB', 'XPUB']);

const LIBZMQ_BAD_ERROR = Buffer.from('^RROR', 'latin1');
const CURVE_MESSAGE_PREFIX = Buffer.from('\x07MESSAGE', 'latin1');

export function onFrame(x: SniffCore, c: ConnState, d: DirState, more: boolean, command: boolean, body: Buffer): void {
  d.counts.frames++;
  if (d.phase === 'identity') {
    // ZMTP 1.0/2.0 identity: part of the handshake, not a message (libzmq's 1.0 signature-as-header
    // even carries flags 0x7F, so MORE is meaningless here).
    d.phase = 'frames';
    d.ready = true;
    if (body.length > 0) c.info.identities[d.dir] = body.toString('hex');
    const g = d.greeting!;
    const offered: ZmtpVersion | undefined = g.revision !== undefined && g.revision >= REVISION_3 ? '3.0' : undefined;
    const rec: GreetingRecord = { ...recordBase(c, d, 'greeting'), version: g.version, mechanism: 'NULL' };
    if (g.socketType) rec.socketType = g.socketType;
    rec.identity = body.toString('hex');
    if (offered) rec.offered = offered;
    x.emit(rec);
    updateState(c);
    return;
  }
  if (command) {
    if (heldCount(d) > 0) {
      x.error(c, d, diagnose('ZMTP_COMMAND_IN_MESSAGE', heldCount(d)));
      d.frames = [];
    }
    onCommand(x, c, d, body);
    return;
  }
  // A first frame that starts like a MESSAGE command: maybe a security mechanism's box sent as data
  // (checked first, cheaply: nearly every frame is an ordinary one).
  if (d.frames.length === 0 && body.length >= 12 && body[0] === 0x07 && body.subarray(0, 8).equals(CURVE_MESSAGE_PREFIX)) {
    const gssapi = mechanismOf(c, d) === 'GSSAPI' || (d.heuristic && mechanismOf(c, d) === undefined && isGssapiWrap(body));
    if (gssapi) {
      // A GSSAPI wrapped message: libzmq 4.3 sends them as data frames without MORE (MORE is inside the
      // wrap); only its wrapped READY goes flagged as a command (real MIT Kerberos captures). Mid-stream,
      // its token length (the rest of the frame) tells it from a CURVE box, which has a nonce there.
      if (c.info.mechanism === undefined) c.info.mechanism = 'GSSAPI';
      onCommand(x, c, d, body);
      return;
    }
    if (isCurveBox(body) && (mechanismOf(c, d) === 'CURVE' || d.heuristic)) {
      // libzmq 4.3 sends CURVE MESSAGE boxes as data frames (no COMMAND flag, MORE is inside the box).
      if (c.info.mechanism === undefined) c.info.mechanism = 'CURVE';
      onCommand(x, c, d, body);
      return;
    }
  }
  const held = holdFrame(d, body, more, x.messageCap);
  if (held.kind === 'complete') {
    x.view.setFrames(held.frames);
    onMessage(x, c, d);
  } else if (held.kind === 'capped')
    x.error(c, d, diagnose('ZMTP_MESSAGE_OVER_CAP', x.messageCap.frames, x.messageCap.bytes, held.frames, held.bytes, held.ended));
  else if (held.kind === 'ended') x.error(c, d, diagnose('ZMTP_MESSAGE_OVER_CAP_ENDED', held.frames, held.bytes));
}

function onCommand(x: SniffCore, c: ConnState, d: DirState, body: Buffer): void {
  const info = c.info;
  const raw = splitCommand(body);
  if (!raw && body.length >= 5 && body.subarray(0, 5).equals(LIBZMQ_BAD_ERROR)) {
    // libzmq 4.3 (seen from 4.3.4 and 4.3.5) writes its ZAP-refusal ERROR as "\x5ERROR": the C hex
    // escape ate the 'E' (RFC 23 wants "\x05ERROR"). Show the ERROR it means, and say it is malformed.
    onCommand(x, c, d, Buffer.concat([Buffer.from('\x05ERROR', 'latin1'), body.subarray(5)]));
    x.error(c, d, diagnose('ZMTP_LIBZMQ_ERROR_NAME'));
    return;
  }
  info.counts[d.dir].commands++;
  x.totals.commands++;
  if (body.length === 0 && mechanismOf(c, d) === 'GSSAPI') {
    // libzmq's GSSAPI peer still takes its handshake turn when its last GSS-API step yields no token:
    // the client, once the server's INITIATE completed its context, sends an empty command frame
    // (seen in real MIT Kerberos captures, libzmq 4.3.4).
    x.emit({
      ...recordBase(c, d, 'command'),
      name: 'EMPTY',
      fields: { note: 'empty command frame: GSS-API context established, no token left to send (libzmq)' },
    });
    return;
  }
  if (!raw) {
    x.error(c, d, diagnose('ZMTP_MALFORMED_COMMAND', body.length));
    return;
  }
  const rec: CommandRecord = { ...recordBase(c, d, 'command'), name: raw.name };
  const mechanism = mechanismOf(c, d) ?? (raw.name === 'MESSAGE' ? (isGssapiWrap(body) ? 'GSSAPI' : 'CURVE') : 'NULL');
  let problem: Diagnostic | undefined;
  const sec = describeSecurity(mechanism, raw.name, raw.data);
  if (sec) {
    if (sec.problem) problem = diagnose('ZMTP_MALFORMED_SECURITY', sec.problem);
    if (sec.username !== undefined) {
      rec.username = sec.username;
      rec.password = sec.password;
      rec.cleartextCredentials = true;
      info.plainUser = sec.username;
    }
    if (sec.properties) {
      rec.properties = sec.properties;
      learnProperties(c, d, sec.properties, raw.data);
    }
    if (sec.curve) rec.curve = sec.curve;
    if (sec.gssapi) rec.gssapi = sec.gssapi;
    if (sec.encrypted) rec.encrypted = true;
    if (raw.name === 'READY' || raw.name === 'INITIATE') d.ready = true;
    if (raw.name === 'MESSAGE') {
      d.ready = true;
      info.counts[d.dir].boxes++;
      x.totals.boxes++;
      c.rate.add(d.ts, 1, raw.data.length);
      x.rate.add(d.ts, 1, raw.data.length);
    }
  } else {
    const cmd = parseCommand(body);
    if ('error' in cmd && cmd.error) problem = diagnose('ZMTP_MALFORMED_COMMAND_BODY', raw.name, cmd.error);
    if ('properties' in cmd) {
      rec.properties = cmd.properties;
      learnProperties(c, d, cmd.properties, raw.data);
      d.ready = true;
    } else if ('reason' in cmd) {
      rec.reason = cmd.reason;
      info.state = 'error';
      // A state, not an error record: the ERROR command's own record says it.
      const state = diagnose('ZMTP_PEER_ERROR', d.dir === 'c2s' ? 'client' : 'server', cmd.reason);
      info.stateReason = state.message;
      info.stateCode = state.code;
    } else if ('topic' in cmd) {
      rec.topic = cmd.topic.toString('hex');
      trackSubscription(x, c, d, cmd.name === 'SUBSCRIBE', rec.topic);
    } else if ('ttl' in cmd) {
      rec.ttl = cmd.ttl;
      rec.context = cmd.context.toString('hex');
    } else if (cmd.name === 'PONG' && 'context' in cmd) {
      rec.context = cmd.context.toString('hex');
    } else if ('data' in cmd && cmd.data.length > 0) {
      rec.fields = { data: x.hex(cmd.data).hex };
    }
  }
  x.emit(rec);
  if (problem) x.error(c, d, problem);
  updateState(c);
}

/** The security mechanism that governs what `d` sends: its own greeting's, else the connection's. */
function mechanismOf(c: ConnState, d: DirState): string | undefined {
  return d.greeting?.version === '3.0' || d.greeting?.version === '3.1' ? d.greeting.mechanism : c.info.mechanism;
}

function learnProperties(c: ConnState, d: DirState, props: Record<string, string>, data: Buffer): void {
  const type = getProperty(props, 'Socket-Type');
  if (type) c.info.socketTypes[d.dir] = type;
  // Identity may be binary: take its raw bytes, not the UTF-8 text.
  const raw = decodeMetadata(data).raw;
  const key = Object.keys(raw).find((k) => k.toLowerCase() === 'identity');
  if (key && raw[key].length > 0) c.info.identities[d.dir] = raw[key].toString('hex');
}

/**
 * A whole message of `d`, its frames already in the inspector's view (x.view): counted, its envelope,
 * subscription and REQ/REP pairing worked out, and handed on. Shared by the frame-by-frame path (onFrame)
 * and the whole-message path (fast-messages.ts).
 */
export function onMessage(x: SniffCore, c: ConnState, d: DirState): void {
  const m = x.view;
  const n = m.count;
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += m.ends[i] - m.starts[i];
  const counts = d.counts;
  counts.messages++;
  counts.payloadBytes += bytes;
  const totals = x.totals;
  totals.messages++;
  totals.payloadBytes += bytes;
  const ts = d.ts;
  c.rate.add(ts, 1, bytes);
  x.rate.add(ts, 1, bytes);
  c.decodedAny = true;
  if (!d.ready && !d.heuristic) {
    // Not allowed before the handshake, but show it anyway.
    d.ready = true;
    x.error(c, d, diagnose('ZMTP_MESSAGE_BEFORE_HANDSHAKE'));
  }

  // One view per inspector, refilled for each message (see MessageView): a record is made from it only
  // for consumers without onMessage.
  m.ts = ts;
  m.src = d.src;
  m.dst = d.dst;
  m.conn = c.conn.id;
  m.dir = d.dir;
  m.tag = d.tag;
  m.heuristic = d.heuristic;
  m.subscription = undefined;
  m.envelopeFrames = -1;
  m.replied = false;

  const roles = rolesOf(c, d);
  if (roles !== 0) {
    if (n === 1 && (roles & ROLE_SUBSCRIPTIONS) !== 0) {
      const sub = parseLegacySubscription(m.frame(0));
      if (sub) {
        m.subscription = { subscribe: sub.subscribe, topic: sub.topic.toString('hex') };
        trackSubscription(x, c, d, sub.subscribe, m.subscription.topic);
      }
    }
    if ((roles & ROLE_ENVELOPES) !== 0) {
      let delimiter = 0;
      while (delimiter < n && m.ends[delimiter] !== m.starts[delimiter]) delimiter++;
      if (delimiter < n - 1) m.envelopeFrames = delimiter;
    }
    // REQ/REP pairing: requests flow from a REQ (or towards a REP); replies come back in order.
    if ((roles & ROLE_REQUESTS) !== 0) {
      c.requests.push(ts);
      if (c.requests.length > x.opts.maxPendingRequests) c.requests.shift();
    } else if ((roles & ROLE_REPLIES) !== 0) {
      const reqTs = c.requests.shift();
      if (reqTs !== undefined) {
        const latency = x.roundTime(Math.max(0, ts - reqTs));
        m.replied = true;
        m.replyTs = reqTs;
        m.latency = latency;
        const pairs = c.info.pairs;
        pairs.matched++;
        pairs.totalLatency = x.roundTime(pairs.totalLatency + latency);
        pairs.maxLatency = Math.max(pairs.maxLatency, latency);
      }
    }
  }
  x.message(m, c);
}

function trackSubscription(x: SniffCore, c: ConnState, d: DirState, subscribe: boolean, topic: string): void {
  c.info.subscriber = d.dir;
  if (subscribe) {
    if (c.subs.size < x.opts.maxSubscriptions) c.subs.add(topic);
  } else {
    c.subs.delete(topic);
  }
}

/** A CURVE MESSAGE box: name, 8-byte nonce, at least a 16-byte tag and the flags byte. */
function isCurveBox(body: Buffer): boolean {
  return body.length >= 8 + 8 + 17 && body.subarray(0, 8).equals(CURVE_MESSAGE_PREFIX);
}

/** A GSSAPI MESSAGE as libzmq writes it: name, then a 4-byte token length that is exactly the rest. */
function isGssapiWrap(body: Buffer): boolean {
  return body.length >= 12 && body.subarray(0, 8).equals(CURVE_MESSAGE_PREFIX) && body.readUInt32BE(8) === body.length - 12;
}

/** What a direction's messages may carry, from the socket types of its sender and receiver (ROLE_* bits). */
const ROLE_SUBSCRIPTIONS = 1;
const ROLE_ENVELOPES = 2;
const ROLE_REQUESTS = 4;
const ROLE_REPLIES = 8;

/** The ROLE_* bits of `d`'s messages, worked out again only when a socket type changed (READY, greeting). */
function rolesOf(c: ConnState, d: DirState): number {
  const types = c.info.socketTypes;
  const sender = d.dir === 'c2s' ? types.c2s : types.s2c;
  const receiver = d.dir === 'c2s' ? types.s2c : types.c2s;
  if (d.rolesKnown && d.rolesSender === sender && d.rolesReceiver === receiver) return d.roles;
  let roles = 0;
  if ((sender && SUBSCRIBER_TYPES.has(sender)) || (receiver && PUBLISHER_TYPES.has(receiver))) roles |= ROLE_SUBSCRIPTIONS;
  if ((sender && ENVELOPE_TYPES.has(sender)) || (receiver && ENVELOPE_TYPES.has(receiver))) roles |= ROLE_ENVELOPES;
  if (isRequester(sender, receiver)) roles |= ROLE_REQUESTS;
  else if (isRequester(receiver, sender)) roles |= ROLE_REPLIES;
  d.rolesKnown = true;
  d.rolesSender = sender;
  d.rolesReceiver = receiver;
  d.roles = roles;
  return roles;
}

function isRequester(type?: string, peer?: string): boolean {
  return type === 'REQ' || peer === 'REP';
}
