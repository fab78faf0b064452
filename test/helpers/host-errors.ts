// Host API tests: a request must fail with a HostError of this code and a message matching the pattern.
import assert from 'node:assert/strict';
import { HostError } from '../../core/host/errors.js';

export async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof HostError, `HostError expected, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}
