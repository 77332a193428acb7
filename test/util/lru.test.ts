import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { LruTtlMap } from '../../src/util/lru.ts';

describe('LruTtlMap', () => {
  it('evicts the least recently used entry when full; a get refreshes recency', () => {
    const m = new LruTtlMap<number>(new ManualClock(0), 3);
    m.set('a', 1, 1000);
    m.set('b', 2, 1000);
    m.set('c', 3, 1000);
    assert.equal(m.get('a'), 1); // a is now the most recent
    m.set('d', 4, 1000); // evicts b
    assert.deepEqual(m.keys(), ['c', 'a', 'd']);
    assert.equal(m.get('b'), undefined);
    m.peek('c'); // peek does not refresh
    m.set('e', 5, 1000);
    assert.deepEqual(m.keys(), ['a', 'd', 'e']);
  });

  it('entries expire on the injected clock', () => {
    const clock = new ManualClock(0);
    const m = new LruTtlMap<string>(clock, 10);
    m.set('s', 'v', 100);
    assert.equal(m.get('s'), 'v');
    clock.set(99);
    assert.equal(m.peek('s'), 'v');
    clock.set(100);
    assert.equal(m.get('s'), undefined);
    assert.equal(m.size, 0, 'an expired entry read once is dropped');
    m.set('t', 'w', 200);
    m.set('u', 'x', 150);
    clock.set(160);
    assert.deepEqual(m.values(), ['w']);
  });

  it('regression (issue 9, /sso 430 -> 87 req/s): an insert into a full map does constant work, however large the map', () => {
    const workPerInsert = (size: number) => {
      const clock = new ManualClock(0);
      const m = new LruTtlMap<number>(clock, size);
      for (let i = 0; i < size; i++) m.set(`k${i}`, i, 1_000_000);
      // Half the entries have expired: the old map swept all of them on every insert.
      clock.set(10);
      const before = m.work;
      for (let i = 0; i < 100; i++) m.set(`n${i}`, i, 1_000_000);
      assert.equal(m.size, size, 'stays bounded');
      return (m.work - before) / 100;
    };
    const small = workPerInsert(100);
    const large = workPerInsert(100_000);
    assert.equal(large, small, `work per insert: ${small} at 100 entries, ${large} at 100000`);
    assert.ok(large <= 2, `an insert into a full map touches at most 2 entries (evict one, add one), got ${large}`);
  });

  it('refuses a non-positive bound', () => {
    assert.throws(() => new LruTtlMap(new ManualClock(0), 0), RangeError);
  });
});
