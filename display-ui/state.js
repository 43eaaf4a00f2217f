// The board's picture of a centre: built from a snapshot, then moved forward by
// each event. No DOM here, so the rules are easy to follow (and to test).

/** How many recent calls the board keeps. */
const KEEP_CALLS = 10;

export function fromSnapshot(snap) {
  return {
    centre: snap.centre,
    notice: snap.notice ?? '',
    counters: snap.counters.map((c) => ({
      number: c.number,
      name: c.name,
      state: c.state,
      current: c.current ? { number: c.current.number, service: c.current.service, status: c.current.status } : null,
    })),
    services: snap.services.map((s) => ({ ...s })),
    calls: dedupe(snap.last_calls.map((c) => ({ number: c.number, service: c.service, counter: c.counter, at: c.at }))),
    serverTime: snap.server_time,
  };
}

/** Newest first, one line per number and counter (a recall does not add a line). */
function dedupe(calls) {
  const seen = new Set();
  return calls.filter((c) => {
    const key = `${c.number}@${c.counter}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, KEEP_CALLS);
}

function counter(state, n) {
  return state.counters.find((c) => c.number === n);
}

function waiting(state, code, delta) {
  const s = state.services.find((x) => x.code === code);
  if (s) s.waiting = Math.max(0, s.waiting + delta);
}

function clearIf(state, n, number) {
  const k = n == null ? null : counter(state, n);
  if (k?.current && (number == null || k.current.number === number)) k.current = null;
}

/**
 * Applies one event. Returns what the board should do about it:
 * `{ call: {number, counter, recall} }` for a call or recall, `{ resync: true }`
 * when the configuration changed, `{}` otherwise.
 */
export function apply(state, e) {
  switch (e.type) {
    case 'ticket_issued':
      waiting(state, e.service, +1);
      return {};
    case 'ticket_called':
    case 'ticket_recalled': {
      const recall = e.type === 'ticket_recalled';
      if (!recall) waiting(state, e.service, -1);
      const k = counter(state, e.counter);
      if (k) k.current = { number: e.number, service: e.service, status: 'called' };
      state.calls = dedupe([{ number: e.number, service: e.service, counter: e.counter, at: e.at }, ...state.calls]);
      return { call: { number: e.number, counter: e.counter, recall } };
    }
    case 'ticket_started': {
      const k = counter(state, e.counter);
      if (k) k.current = { number: e.number, service: e.service, status: 'serving' };
      return {};
    }
    case 'ticket_completed':
    case 'ticket_no_show':
      clearIf(state, e.counter, e.number);
      return {};
    case 'ticket_cancelled':
      waiting(state, e.service, -1);
      return {};
    case 'ticket_expired':
      // The service day ended: a called ticket leaves its counter, a waiting
      // one the queue, and neither stays among the recent calls.
      if (e.counter != null) clearIf(state, e.counter, e.number);
      else waiting(state, e.service, -1);
      state.calls = state.calls.filter((c) => c.number !== e.number);
      return {};
    case 'ticket_transferred':
      // From a counter: back into a queue. A waiting ticket: from one queue to another.
      if (e.from_counter != null) clearIf(state, e.from_counter, e.number);
      else waiting(state, e.from_service, -1);
      waiting(state, e.service, +1);
      return {};
    case 'counter_paused':
    case 'counter_resumed': {
      const k = counter(state, e.counter);
      if (k) k.state = e.type === 'counter_paused' ? 'paused' : 'open';
      return {};
    }
    case 'notice_changed':
      state.notice = e.text;
      return {};
    case 'config_changed':
      return { resync: true };
    default:
      return {};
  }
}
