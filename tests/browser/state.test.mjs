// The board's state rules (display-ui/state.js): a snapshot moved forward by
// events keeps counters, waiting counts and recent calls right. No browser needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { apply, fromSnapshot } from '../../display-ui/state.js';

function snapshot() {
  return {
    type: 'snapshot',
    centre: { code: 'mo-cay', name: 'X', announcement_vi: 'Xin mời công dân số {number} đến quầy số {counter}' },
    notice: '',
    counters: [
      { number: 1, name: 'Quầy 1', state: 'open', serves: ['A'], current: null },
      { number: 2, name: 'Quầy 2', state: 'open', serves: ['A', 'B'], current: { number: 'B001', service: 'B', status: 'serving' } },
    ],
    services: [
      { code: 'A', prefix: 'A', name: 'A', name_en: 'A', waiting: 2 },
      { code: 'B', prefix: 'B', name: 'B', name_en: 'B', waiting: 0 },
    ],
    last_calls: [
      { number: 'B001', service: 'B', counter: 2, at: '2026-11-26T02:00:00Z' },
      { number: 'B001', service: 'B', counter: 2, at: '2026-11-26T01:59:00Z' },
    ],
    last_event_id: 10,
    server_time: '2026-11-26T02:00:00Z',
  };
}

const ev = (type, fields) => ({ id: 0, centre: 'mo-cay', at: '2026-11-26T02:01:00Z', type, ...fields });

test('a snapshot shows one line per call (a recall adds none)', () => {
  const s = fromSnapshot(snapshot());
  assert.equal(s.calls.length, 1);
  assert.equal(s.counters[1].current.number, 'B001');
});

test('issue, call, start, complete move counts and counters', () => {
  const s = fromSnapshot(snapshot());
  assert.deepEqual(apply(s, ev('ticket_issued', { number: 'A003', service: 'A' })), {});
  assert.equal(s.services[0].waiting, 3);
  const r = apply(s, ev('ticket_called', { number: 'A001', service: 'A', counter: 1 }));
  assert.deepEqual(r, { call: { number: 'A001', counter: 1, recall: false } });
  assert.equal(s.services[0].waiting, 2);
  assert.deepEqual(s.counters[0].current, { number: 'A001', service: 'A', status: 'called' });
  assert.equal(s.calls[0].number, 'A001');
  assert.deepEqual(apply(s, ev('ticket_recalled', { number: 'A001', service: 'A', counter: 1, recalls: 1 })),
    { call: { number: 'A001', counter: 1, recall: true } });
  assert.equal(s.services[0].waiting, 2);
  assert.equal(s.calls.filter((c) => c.number === 'A001').length, 1);
  apply(s, ev('ticket_started', { number: 'A001', service: 'A', counter: 1 }));
  assert.equal(s.counters[0].current.status, 'serving');
  apply(s, ev('ticket_completed', { number: 'A001', service: 'A', counter: 1 }));
  assert.equal(s.counters[0].current, null);
});

test('transfers, cancels, pauses and the notice', () => {
  const s = fromSnapshot(snapshot());
  // From a counter back into a queue.
  apply(s, ev('ticket_transferred', { number: 'B001', from_service: 'B', service: 'A', from_counter: 2, to_counter: null }));
  assert.equal(s.counters[1].current, null);
  assert.equal(s.services[0].waiting, 3);
  // A waiting ticket from one queue to another.
  apply(s, ev('ticket_transferred', { number: 'A002', from_service: 'A', service: 'B', from_counter: null, to_counter: null }));
  assert.deepEqual(s.services.map((x) => x.waiting), [2, 1]);
  apply(s, ev('ticket_cancelled', { number: 'A002', service: 'B' }));
  assert.equal(s.services[1].waiting, 0);
  apply(s, ev('ticket_cancelled', { number: 'B009', service: 'B' }));
  assert.equal(s.services[1].waiting, 0, 'never negative');
  apply(s, ev('counter_paused', { counter: 1 }));
  assert.equal(s.counters[0].state, 'paused');
  apply(s, ev('counter_resumed', { counter: 1 }));
  assert.equal(s.counters[0].state, 'open');
  apply(s, ev('notice_changed', { text: 'Nghỉ trưa' }));
  assert.equal(s.notice, 'Nghỉ trưa');
  assert.deepEqual(apply(s, ev('config_changed', {})), { resync: true });
  // Kinds the board does not show (a booking made, future ones) change nothing.
  const before = JSON.stringify(s);
  assert.deepEqual(apply(s, ev('booking_changed', {})), {});
  assert.equal(JSON.stringify(s), before);
});
