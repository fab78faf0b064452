// The capture view on PGM/EPGM captures in a real Chromium against a real `zmtp serve`: tcpdump's EPGM test
// capture opened, its session shown as a PGM session, the records filtered to PGM packets, and the
// transport filter separating PGM sessions from TCP connections.
import assert from 'node:assert/strict';
import { REALCAPS, realcapsMissing } from '../helpers/pgm.js';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { useApp, waitForText } from './serve-harness.js';

let page: Page;
useApp({
  prepare: async (p) => {
    page = p;
    await page.getByRole('tab', { name: 'Capture' }).click();
    await page.getByText('No capture open').waitFor();
  },
});

test(
  'an EPGM capture: the PGM session in the connections table, records filtered to PGM packets and by transport',
  { skip: realcapsMissing },
  async () => {
    await page.getByLabel('Capture file').setInputFiles(`${REALCAPS}/tcpdump_epgm_zmtp1.pcap`);
    await waitForText(page.getByTestId('capture-stats'), /\b1 connections .* 4 messages/);
    const conns = page.getByTestId('connections');
    const row = conns.locator('tr[data-pgm="47e3fdad9a9c.39236"]');
    await row.waitFor();
    const text = (await row.textContent())!;
    assert.match(text, /10\.0\.0\.45:39236/);
    assert.match(text, /239\.255\.0\.16:5563/);
    assert.match(text, /EPGM/);
    assert.match(text, /TSI 47e3fdad9a9c\.39236/);
    assert.match(text, /15 pkts/);

    const total = page.getByTestId('record-total');
    await page.getByLabel('Record kind').selectOption('pgm');
    await waitForText(total, /^15 records$/);
    await page.getByTestId('record-row').filter({ hasText: 'SPMR' }).waitFor();
    await page.getByLabel('Record kind').selectOption('message');
    await waitForText(total, /^4 records$/);
    await page.getByTestId('record-row').filter({ hasText: 'This is the trailing ASCII message.' }).waitFor();
    await page.getByLabel('Transport').selectOption('tcp');
    await page.getByText('No records match').waitFor();
    await page.getByLabel('Transport').selectOption('pgm');
    await waitForText(total, /^4 records$/);
    // Clicking the session filters on it too.
    await page.getByLabel('Record kind').selectOption('');
    await row.click();
    await waitForText(total, /^\d+ records$/);
    assert.equal(Number((await total.textContent())!.split(' ')[0]), 1 + 15 + 4 + 1, 'open, 15 packets, 4 messages, close');
  },
);
