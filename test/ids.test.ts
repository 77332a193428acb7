/**
 * src/ids.ts draws its CSPRNG bytes from a pool (issue 15: a synchronous randomBytes() per
 * identifier was ~5% of an anonymous GET /session). A pool must never hand the same bytes out
 * twice, across refills too, and the identifiers keep their shapes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledRandomBytes, randomIds } from '../src/ids.ts';

describe('pooled random bytes', () => {
  it('never hands out the same bytes twice, across several pool refills; sizes above the pool come straight from randomBytes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const b = pooledRandomBytes(20);
      assert.equal(b.length, 20);
      const hex = b.toString('hex');
      assert.ok(!seen.has(hex), `repeated at ${i}`);
      seen.add(hex);
    }
    assert.equal(pooledRandomBytes(10_000).length, 10_000);
    const a = pooledRandomBytes(16);
    const b = pooledRandomBytes(16);
    a.fill(0);
    assert.notDeepEqual(b, Buffer.alloc(16), 'each caller owns its copy');
  });

  it('samlId is an xs:ID of 40 hex digits; random(n) is n characters of [A-Za-z0-9], all 62 of them in use', () => {
    const ids = new Set(Array.from({ length: 500 }, () => randomIds.samlId()));
    assert.equal(ids.size, 500);
    for (const id of ids) assert.match(id, /^_[0-9a-f]{40}$/);
    const chars = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const r = randomIds.random(24);
      assert.match(r, /^[A-Za-z0-9]{24}$/);
      for (const c of r) chars.add(c);
    }
    assert.equal(chars.size, 62);
  });
});
