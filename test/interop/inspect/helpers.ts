// Shared by the inspector's interop tests: decode a capture file into records and pick out what one
// connection carried, to compare with what the test really sent.
import { decodeCapture, type DecodeSummary } from '../../../core/inspect/decode-capture.js';
import * as zmq from 'zeromq';
import { portOf, startCapture, tempDir, type CaptureSpec } from '../../helpers/capture.js';
import type { InspectRecord, MessageRecord, CommandRecord, GreetingRecord, ErrorRecord, GapRecord } from '../../../core/inspect/records.js';

export interface Decoded {
  records: InspectRecord[];
  summary: DecodeSummary;
}

/**
 * Captures `tcp port PORT` while `traffic` runs, stops once the file holds the marker `traffic` returns
 * (the last bytes it sent), and decodes the file. `checkFile` sees the file first (e.g. tshark confirming
 * what the capture holds). KEEP_CAPTURES=1 keeps the files for a look with tshark.
 */
export async function captured(
  spec: Omit<CaptureSpec, 'filter'>,
  port: number,
  name: string,
  traffic: () => Promise<Buffer>,
  checkFile?: (file: string) => void,
): Promise<Decoded> {
  const t = tempDir();
  const cap = await startCapture({ ...spec, filter: `tcp port ${port}` }, t.dir, name);
  try {
    await cap.stopAfter(await traffic());
    checkFile?.(cap.file);
    return await decodeFile(cap.file);
  } finally {
    cap.kill();
    if (process.env.KEEP_CAPTURES) console.log(`capture kept: ${cap.file}`);
    else t.cleanup();
  }
}

/**
 * tcpdump's capture (dir/name) of two libzmq REQ clients taking turns with one REP for `rounds` rounds:
 * client k's request i is ["client k request i", i * 37 bytes of k + i], answered ["reply to ...", i
 * x's]; the last answer is "CAPTURE-END" instead, where the capture stops. Returns the file.
 */
export async function captureTwoRequesters(dir: string, name: string, rounds: number): Promise<string> {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('tcp://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const reqs = [new zmq.Request({ linger: 0 }), new zmq.Request({ linger: 0 })];
  const cap = await startCapture({ tool: 'tcpdump', filter: `tcp port ${port}` }, dir, name);
  try {
    reqs.forEach((r) => r.connect(`tcp://127.0.0.1:${port}`));
    for (let i = 0; i < rounds; i++) {
      for (const [k, req] of reqs.entries()) {
        await req.send([`client ${k} request ${i}`, Buffer.alloc(i * 37, k + i)]);
        const [msg] = await rep.receive();
        await rep.send([`reply to ${msg}`, i === rounds - 1 && k === 1 ? 'CAPTURE-END' : 'x'.repeat(i)]);
        await req.receive();
      }
    }
    await cap.stopAfter(Buffer.from('CAPTURE-END'));
  } finally {
    cap.kill();
    reqs.forEach((r) => r.close());
    rep.close();
  }
  return cap.file;
}

export async function decodeFile(path: string): Promise<Decoded> {
  const records: InspectRecord[] = [];
  const summary = await decodeCapture(path, { onRecord: (r) => records.push(r) });
  return { records, summary };
}

export const hexOf = (x: string | Buffer | Uint8Array) => Buffer.from(x as Uint8Array).toString('hex');

export function messages(records: InspectRecord[], conn: number, dir: 'c2s' | 's2c'): MessageRecord[] {
  return records.filter((r): r is MessageRecord => r.type === 'message' && r.conn === conn && r.dir === dir);
}

export function commands(records: InspectRecord[], conn?: number): CommandRecord[] {
  return records.filter((r): r is CommandRecord => r.type === 'command' && (conn === undefined || r.conn === conn));
}

export function greetings(records: InspectRecord[], conn?: number): GreetingRecord[] {
  return records.filter((r): r is GreetingRecord => r.type === 'greeting' && (conn === undefined || r.conn === conn));
}

/** Decode problems and gaps (lost bytes): a clean capture of real traffic has none. */
export function errors(records: InspectRecord[]): (ErrorRecord | GapRecord)[] {
  return records.filter((r): r is ErrorRecord | GapRecord => r.type === 'error' || r.type === 'gap');
}

/** Connection ids that carried at least one greeting, in order of appearance. */
export function zmtpConns(records: InspectRecord[]): number[] {
  return [...new Set(greetings(records).map((g) => g.conn))];
}

/** Frames of each message as hex, for deepEqual against what was sent. */
export const framesOf = (ms: MessageRecord[]) => ms.map((m) => m.frames);
export const sentHex = (msgs: (string | Buffer)[][]) => msgs.map((m) => m.map(hexOf));
