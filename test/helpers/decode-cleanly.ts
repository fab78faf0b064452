// A capture that must decode without a problem: the records and summary of decodeCapture, after checking
// that no error record was emitted and no connection ended in 'error' or 'not-zmtp'. The real-capture
// tests open their files this way before comparing the decode with outside readings.
import assert from 'node:assert/strict';
import { decodeCapture, type DecodeSummary } from '../../core/inspect/decode-capture.js';
import type { InspectRecord } from '../../core/inspect/records.js';

export type MessageRecord = Extract<InspectRecord, { type: 'message' }>;

export async function decodeCleanly(
  file: string,
): Promise<{ records: InspectRecord[]; messages: MessageRecord[]; summary: DecodeSummary }> {
  const records: InspectRecord[] = [];
  const summary = await decodeCapture(file, { onRecord: (r) => records.push(r) });
  assert.deepEqual(
    records.filter((r) => r.type === 'error').map((r) => r.type === 'error' && `${r.code}: ${r.message}`),
    [],
    `${file}: error records`,
  );
  for (const c of summary.connections)
    assert.ok(!['error', 'not-zmtp'].includes(c.state), `${c.client} -> ${c.server}: ${c.state} ${c.stateReason ?? ''}`);
  const messages = records.filter((r): r is MessageRecord => r.type === 'message');
  return { records, messages, summary };
}
