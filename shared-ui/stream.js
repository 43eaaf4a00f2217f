// The live event stream of a centre, for every UI that follows one (board,
// counter console, rating tablet, ticket page), kept alive across network drops
// and server restarts. It reconnects with backoff and `?after=<last id>`, so
// nothing is missed and nothing is repeated; the server answers with the missed
// events, or with a fresh snapshot when the gap is too large.
//
// Heartbeats: browsers cannot send websocket pings, so we send {"type":"ping"}
// every 20 s (the server answers {"type":"pong"}) and treat 60 s without any
// message as a dead connection.

const PING_EVERY_MS = 20_000;
const SILENCE_MS = 60_000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

export class EventStream {
  /**
   * @param {object} o
   * @param {string} o.centre centre code
   * @param {(snap: object) => void} o.onSnapshot replaces all state; announces nothing
   * @param {(event: object) => void} o.onEvent one committed event, in order
   * @param {(status: 'connecting'|'open'|'lost') => void} [o.onStatus]
   */
  constructor({ centre, onSnapshot, onEvent, onStatus }) {
    this.centre = centre;
    this.onSnapshot = onSnapshot ?? (() => {});
    this.onEvent = onEvent ?? (() => {});
    this.onStatus = onStatus ?? (() => {});
    this.stopped = false;
    /** The newest event id applied; null until the first snapshot. */
    this.lastId = null;
    this.attempt = 0;
    this.ws = null;
    this.timers = {};
  }

  start() {
    this.connect();
  }

  /** Closes for good (the page no longer needs the stream). */
  stop() {
    this.stopped = true;
    this.clearTimers();
    clearTimeout(this.timers.retry);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }

  /** Drops the connection and starts over from a fresh snapshot (new service day). */
  resync() {
    this.lastId = null;
    this.ws?.close();
  }

  url() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const after = this.lastId === null ? '' : `?after=${this.lastId}`;
    return `${proto}://${location.host}/api/v1/centres/${encodeURIComponent(this.centre)}/events${after}`;
  }

  connect() {
    this.onStatus(this.attempt === 0 ? 'connecting' : 'lost');
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (m) => this.message(m.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      this.retry();
    };
    ws.onerror = () => ws.close();
    this.timers.ping = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
    }, PING_EVERY_MS);
    this.heard();
  }

  /** Any message proves the connection alive; silence for too long closes it. */
  heard() {
    clearTimeout(this.timers.silence);
    this.timers.silence = setTimeout(() => this.ws?.close(), SILENCE_MS);
  }

  message(data) {
    this.heard();
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.type === 'pong') return;
    // The first message after (re)connecting proves the server is back.
    this.attempt = 0;
    this.onStatus('open');
    if (msg.type === 'snapshot') {
      this.lastId = msg.last_event_id;
      this.onSnapshot(msg);
      return;
    }
    if (typeof msg.id !== 'number' || (this.lastId !== null && msg.id <= this.lastId)) return;
    this.lastId = msg.id;
    this.onEvent(msg);
  }

  retry() {
    if (this.stopped) return;
    this.onStatus('lost');
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    // Jitter so a room of screens does not reconnect in lockstep after a restart.
    this.timers.retry = setTimeout(() => this.connect(), base * (0.75 + Math.random() / 2));
  }

  clearTimers() {
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.silence);
  }
}
