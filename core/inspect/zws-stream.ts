// ZeroMQ over WebSocket (ZWS 2.0) in a direction: its HTTP head (the client's upgrade request or the
// server's answer) stands where a greeting would, then each binary WebSocket message is a flags byte and
// a ZMTP frame body, handed to the message semantics like any frame. Parsing itself is in websocket.ts.
import { diagnose } from '../capture/diagnostics.js';
import { own, ownPendingFrames, replay, takeHeadTimes, timeAt } from './held-bytes.js';
import type { UpgradeRecord } from './records.js';
import { onFrame } from './semantics.js';
import type { SniffCore } from './sniff-core.js';
import { EMPTY, failDirection, notZmtp, recordBase, type ConnState, type DirState } from './stream-state.js';
import { parseHttpHead, protocolList, WS_BINARY, WS_TEXT, WsMessageReader, zwsMechanism } from './websocket.js';

/** The HTTP head of a ZWS connection: the client's upgrade request or the server's answer. */
export function tryUpgrade(x: SniffCore, c: ConnState, d: DirState): void {
  const head = parseHttpHead(d.head);
  if (head === 'more') {
    d.head = own(d.head);
    return;
  }
  if ('error' in head) {
    notZmtp(x, c, d, diagnose('NOT_ZMTP_HTTP', head.error));
    return;
  }
  const info = c.info;
  const times = takeHeadTimes(d);
  const rest = d.head.subarray(head.length);
  const latest = d.ts;
  d.ts = timeAt(times, d.offset - rest.length - 1, latest);
  const rec: UpgradeRecord = { ...recordBase(c, d, 'upgrade') };
  d.ts = latest;
  const protocols = protocolList(head.headers.get('sec-websocket-protocol'));
  if (d.dir === 'c2s') {
    const offered = protocols.filter((p) => zwsMechanism(p) !== undefined);
    if (!/^websocket$/i.test(head.headers.get('upgrade') ?? '') || offered.length === 0) {
      notZmtp(x, c, d, diagnose('NOT_ZMTP_NOT_ZWS', head.startLine.slice(0, 80)));
      return;
    }
    rec.path = head.startLine.split(' ')[1] ?? '';
    rec.offered = protocols;
    info.websocket = { path: rec.path };
  } else {
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head.startLine)?.[1] ?? NaN);
    rec.status = status;
    const chosen = protocols[0];
    if (chosen) rec.protocol = chosen;
    const mechanism = chosen ? zwsMechanism(chosen) : undefined;
    if (mechanism) {
      rec.mechanism = mechanism;
      info.mechanism = mechanism;
    }
    info.websocket = { ...info.websocket, protocol: chosen };
    if (status !== 101 || !mechanism) {
      x.emit(rec);
      const problem =
        status !== 101
          ? diagnose('ZWS_UPGRADE_REFUSED', Number.isNaN(status) ? JSON.stringify(head.startLine.slice(0, 40)) : String(status))
          : diagnose('ZWS_NO_SUBPROTOCOL', chosen ?? 'none');
      failDirection(x, c, d, problem, problem.message);
      return;
    }
  }
  x.emit(rec);
  c.decodedAny = true;
  d.head = EMPTY;
  d.phase = 'ws';
  d.ws = new WsMessageReader(x.opts.maxFrameSize);
  if (rest.length > 0) replay(x, c, d, rest, times);
}

/** WebSocket messages of a ZWS stream: each binary one is a flags byte and a ZMTP frame body. */
export function decodeWs(x: SniffCore, c: ConnState, d: DirState, data: Buffer): void {
  const err = d.ws!.push(data, (opcode, payload) => {
    if (c.ignored || d.phase !== 'ws') return;
    if (opcode === WS_TEXT) {
      x.error(c, d, diagnose('ZWS_TEXT_MESSAGE', payload.length));
    } else if (opcode === WS_BINARY) {
      if (payload.length === 0) {
        x.error(c, d, diagnose('ZWS_EMPTY_MESSAGE'));
        return;
      }
      const flags = payload[0];
      if (flags & ~0x03) x.error(c, d, diagnose('ZWS_BAD_FLAGS', flags));
      const command = (flags & 0x02) !== 0;
      if (command && payload.length === 1) {
        // libzmq's ws engine sends an empty COMMAND message as a keep-alive.
        c.info.counts[d.dir].frames++;
        x.emit({ ...recordBase(c, d, 'command'), name: 'EMPTY', fields: { note: 'empty ZWS command message (libzmq keep-alive)' } });
        return;
      }
      onFrame(x, c, d, (flags & 0x01) !== 0, command, payload.subarray(1));
    }
    // Control frames (close, ping, pong) are WebSocket's own business.
  });
  ownPendingFrames(d);
  if (err && !c.ignored && d.phase === 'ws') {
    x.error(c, d, diagnose('ZWS_MALFORMED', err));
    d.phase = 'dead';
    d.ws = undefined;
  }
}
