/** Capability URLs: bound to one kind, one id and their minter, expiring, tamper-evident, and kept out of logs. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { CAPABILITY_PATH, CAPABILITY_TTL_MS, CapabilityUrls, redactCapability } from '../../src/gateway/capability-urls.ts';

const token = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const BY = { kind: 'token', tokenId: 'at-1' } as const;

it('a URL grants exactly its kind and id until it expires', () => {
  const clock = new ManualClock();
  const urls = new CapabilityUrls(Buffer.from('k'.repeat(48)), 'http://gw.example', clock);
  const url = urls.url('state-download', 'sv-1', BY);
  assert.ok(url.startsWith(`http://gw.example${CAPABILITY_PATH}/`));
  assert.deepEqual(urls.verify(token(url), 'state-download'), { id: 'sv-1', minter: BY });
  assert.equal(urls.verify(token(url), 'cv-upload'), undefined, 'another use');
  assert.equal(urls.kindOf(token(url)), 'state-download');
  assert.notEqual(token(urls.url('state-download', 'sv-1', BY)), undefined);
  clock.advance(CAPABILITY_TTL_MS);
  assert.equal(urls.verify(token(url), 'state-download'), undefined, 'expired');
});

it('another key, or any changed character, is refused', () => {
  const clock = new ManualClock();
  const a = new CapabilityUrls(Buffer.from('a'.repeat(48)), 'http://gw', clock);
  const b = new CapabilityUrls(Buffer.from('b'.repeat(48)), 'http://gw', clock);
  const t = token(a.url('plan-log', 'plan-1', { kind: 'session', userId: 'user-1' }));
  assert.equal(b.verify(t, 'plan-log'), undefined);
  for (let i = 0; i < t.length; i++) {
    const c = t[i] === 'A' ? 'B' : 'A';
    assert.equal(a.verify(t.slice(0, i) + c + t.slice(i + 1), 'plan-log'), undefined, `position ${i}`);
  }
  assert.equal(a.verify('', 'plan-log'), undefined);
  assert.equal(a.verify('.', 'plan-log'), undefined);
});

it('logged URLs carry no capability', () => {
  assert.equal(redactCapability(`${CAPABILITY_PATH}/abc.def?offset=1`), `${CAPABILITY_PATH}/[capability]?offset=1`);
  assert.equal(redactCapability(`${CAPABILITY_PATH.toUpperCase()}/abc.def`), `${CAPABILITY_PATH}/[capability]`, 'express routes case-insensitively');
  assert.equal(redactCapability('/api/v2/runs/run-1'), '/api/v2/runs/run-1');
});
