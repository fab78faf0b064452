// The workbench's rate chart in Chromium against `zmtp serve`: a SUB fed 10 msg/s by a real pyzmq PUB shows
// messages per second over the last minute. Asserted on what the chart holds, not on timing: the per-second
// counts it draws average about 10 once messages flow (pyzmq sends on a schedule of exactly 10 a second),
// the seconds before the SUB connected are 0, the green line is really drawn on the canvas, and the Y axis
// labels are short numbers that fit the axis (not clipped like "0,000").
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startPython, type PythonChild } from '../helpers/python.js';
import { chartAxis, chartInk, connectTo, createSocket, shot, useApp, waitForText } from './serve-harness.js';

const app = useApp();
const children: PythonChild[] = [];
after(() => {
  for (const c of children) c.child.kill();
});

test('a SUB receiving 10 msg/s from pyzmq charts about 10 a second, with readable Y labels', async () => {
  const page = app.page;
  const pub = startPython(
    [
      '-c',
      `
import time, zmq
s = zmq.Context().socket(zmq.PUB)
s.linger = 0
print(s.bind_to_random_port('tcp://127.0.0.1'), flush=True)
start = time.time()
i = 0
while True:
    due = int((time.time() - start) * 10)
    while i < due:
        s.send_string('rate %d' % i)
        i += 1
    time.sleep(0.01)
`,
    ],
    'pyzmq PUB',
  );
  children.push(pub);
  const endpoint = `tcp://127.0.0.1:${(await pub.line()).trim()}`;
  await createSocket(page, 'SUB', 'rate-sub', async (p) => {
    await p.getByLabel('Subscriptions').fill('rate');
  });
  const view = page.getByTestId('socket-rate-sub');
  await view.getByTestId('socket-rate-none').waitFor();
  await connectTo(page, 'rate-sub', endpoint);

  // Wait until 12 whole seconds have been counted since the first message arrived.
  const chart = view.getByTestId('socket-rate-chart');
  await chart.waitFor();
  let received: number[] = [];
  for (;;) {
    received = JSON.parse((await chart.getAttribute('data-values')) ?? '{}')['received /s'] ?? [];
    const first = received.findIndex((x) => x > 0);
    if (first >= 0 && received.length - first >= 12) break;
    await page.waitForTimeout(500);
  }
  assert.equal(received.length, 59, 'one count per whole second over the last minute');
  const first = received.findIndex((x) => x > 0);
  assert.ok(first > 0 && received.slice(0, first).every((x) => x === 0), `nothing before the SUB connected: ${received}`);
  // Whole seconds after the first (partial) one.
  const steady = received.slice(first + 1);
  const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
  assert.ok(mean >= 8 && mean <= 12, `about 10 a second: ${steady.join(', ')}`);
  assert.equal(
    JSON.parse((await chart.getAttribute('data-values'))!)['sent /s'].every((x: number) => x === 0),
    true,
    'a SUB sends nothing',
  );
  await waitForText(view.getByTestId('socket-rate-chart-summary'), /peak over the last minute (9|1\d)\/s received, 0\/s sent/);

  const axis = await chartAxis(chart);
  assert.ok(axis.labels.length >= 2, `labels: ${axis.labels}`);
  for (const l of axis.labels) assert.match(l, /^\d+(\.\d+)?[kM]?$/, `a short number: ${axis.labels}`);
  assert.ok(Number(axis.labels[axis.labels.length - 1]) >= 8, `the axis reaches the rate: ${axis.labels}`);
  assert.ok(axis.widest + 15 <= axis.size, `labels fit the axis: widest ${axis.widest} px + 15 in ${axis.size} px`);
  assert.ok((await chartInk(chart, [5, 150, 105])) > 50, 'the received line is drawn');
  await shot(page, 'workbench-rate');
});
