import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Longpolls } from '../../../server/meta/longpoll.js';

describe('Longpolls', () => {
  it('wakes every waiter of the namespace that changed, and only those', async () => {
    const polls = new Longpolls();
    const a1 = polls.wait(1, 10_000);
    const a2 = polls.wait(1, 10_000);
    const b = polls.wait(2, 50);
    polls.notify(1);
    assert.deepEqual(await Promise.all([a1, a2, b]), [true, true, false]);
    assert.equal(polls.size, 0);
  });

  it('answers false on timeout, on abort and when closed, and forgets the waiter', async () => {
    const polls = new Longpolls();
    const started = Date.now();
    assert.equal(await polls.wait(1, 30), false);
    assert.ok(Date.now() - started >= 25);
    const gone = new AbortController();
    const aborted = polls.wait(1, 10_000, gone.signal);
    gone.abort();
    assert.equal(await aborted, false);
    const closed = polls.wait(3, 10_000);
    assert.equal(polls.size, 1);
    polls.closeAll();
    assert.equal(await closed, false);
    assert.equal(polls.size, 0);
    polls.notify(1); // nobody waits: nothing happens
  });
});
