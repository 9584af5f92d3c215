// A paused client keeps its long-poll but does not pull: each remote change must cost it one
// poll, not a poll that returns at once over and over because its cursor never moves.
// Real server process, in-process clients.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LongpollResponse } from '../../../shared/common/protocol.js';
import { syncFixture } from '../../helpers/sync-client.js';
import { waitFor } from '../../helpers/wait-for.js';

const fx = syncFixture();

test('a paused client polls once per remote change, and pulls them all on resume', async () => {
  const [a, b] = await fx.pair({ longpollSec: 30 });
  await b.sync();
  const answers: LongpollResponse[] = [];
  let polls = 0;
  const longpoll = b.remote.longpoll;
  b.remote.longpoll = async (...args) => {
    polls++;
    const answer = await longpoll.apply(b.remote, args);
    answers.push(answer);
    return answer;
  };
  await b.engine.start();
  await b.engine.pause();
  const changed = () => answers.filter((x) => x.changes).length;

  await a.write('one.txt', 'one');
  await a.sync();
  await waitFor(() => changed() >= 1, 'the paused client to hear of the first change');
  const afterFirst = polls;
  await a.write('two.txt', 'two');
  await a.sync();
  await waitFor(() => changed() >= 2, 'the paused client to hear of the second change');
  assert.ok(polls - afterFirst <= 2, `${polls - afterFirst} polls between two changes (one waits for the next change)`);
  assert.equal(changed(), 2, 'one answer per change');
  assert.deepEqual(await b.files(), [], 'nothing pulled while paused');

  await b.engine.resume();
  assert.deepEqual(await b.files(), ['one.txt', 'two.txt']);
});
