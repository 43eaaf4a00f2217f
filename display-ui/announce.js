// Announcements: a chime, then the centre's phrase in Vietnamese. They queue and
// never cut each other off, and no call is dropped: every call of the last 10
// minutes waits its turn (a recall always), however many come at once. A
// backlog is spoken compactly, one chime and then "Mời số A012 đến quầy 2; số
// B004 đến quầy 3; …" (up to BATCH calls a sentence), so 20 calls in 30 s are
// all said within a minute of the last one.
//
// The voice is the bundled clips (audio/clips.json, one per word, made with
// espeak-ng), played back to back through Web Audio: they work offline on any
// TV box. A browser voice (speechSynthesis, vi-VN) is used only when chosen
// (`?voice=speech`, remembered on the TV) and falls back to the clips when there
// is none or it fails.
//
// Browsers refuse sound until someone touches the page (or the browser runs with
// --autoplay-policy=no-user-gesture-required, as a kiosk TV should). Until then
// announcements are recorded as `muted` and the page shows a hint.

import { numberWords, phraseSpoken, phraseText, ticketWords } from './numbers.js';

const BASE = '/display/audio/';
/** A call still unspoken this long after it happened is only shown (the board lists it anyway). */
const FRESH_MS = 10 * 60_000;
/** At most this many calls in one compact sentence, then a new chime. */
const BATCH = 5;
/** Finished announcements kept for tests and diagnostics (pending ones are never dropped). */
const HISTORY = 300;
const GAP_S = 0.03;
/** A pause between two calls of one sentence (the "; " of the text). */
const PAUSE_S = 0.35;

export class Announcer {
  /**
   * @param {object} o
   * @param {'clips'|'speech'|'off'} [o.voice] clips by default; 'speech' tries the browser's vi-VN voice first
   * @param {number} [o.speed] playback speed of the clips (tests use 4)
   * @param {(muted: boolean) => void} [o.onMuted]
   */
  constructor({ voice = 'clips', speed = 1, onMuted = () => {} } = {}) {
    this.voice = voice;
    this.speed = speed > 0 ? speed : 1;
    this.onMuted = onMuted;
    /** Every announcement, oldest first: {text, spoken, recall, at, state, said, ended}; state
     * is pending, playing, done, muted or skipped; `said` is what was spoken for it (its
     * part of a compact sentence), `ended` when that sentence ended (ms). */
    this.queue = [];
    /** Clip files played, oldest first (tests count them); the chime included. */
    this.played = [];
    this.busy = false;
    this.ctx = null;
    this.clips = null;
    this.buffers = new Map();
  }

  /**
   * Queues one call; `template` is the centre's phrase with {number} and
   * {counter}; `at` the call's time on this page's clock (ms).
   */
  announce(template, number, counter, recall = false, at = Date.now()) {
    const entry = {
      number,
      counter,
      text: phraseText(template, number, counter),
      spoken: phraseSpoken(template, number, counter),
      recall,
      at,
      state: 'pending',
      said: '',
    };
    this.queue.push(entry);
    this.trim();
    this.run();
    return entry;
  }

  trim() {
    let extra = this.queue.length - HISTORY;
    if (extra <= 0) return;
    this.queue = this.queue.filter((e) => {
      if (extra > 0 && e.state !== 'pending' && e.state !== 'playing') {
        extra -= 1;
        return false;
      }
      return true;
    });
  }

  /** Called from a user gesture: lets the page make sound from now on. */
  unlock() {
    this.audio()?.resume();
    if ('speechSynthesis' in window) speechSynthesis.speak(new SpeechSynthesisUtterance(''));
  }

  /** The next sentence: every pending call, oldest first, stale ones skipped. */
  nextBatch() {
    const now = Date.now();
    const pending = this.queue.filter((e) => e.state === 'pending');
    for (const e of pending) if (!e.recall && now - e.at > FRESH_MS) e.state = 'skipped';
    return pending.filter((e) => e.state === 'pending').slice(0, BATCH);
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const batch = this.nextBatch();
        if (batch.length === 0) break;
        for (const e of batch) e.state = 'playing';
        const state = await this.play(batch).catch(() => 'muted');
        const end = Date.now();
        for (const e of batch) {
          e.state = state;
          e.ended = end;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Plays one sentence (one call in full, or a backlog compactly); resolves with the final state. */
  async play(batch) {
    if (this.voice === 'off') return 'muted';
    const ctx = this.audio();
    if (!ctx) return 'muted';
    if (ctx.state !== 'running') await Promise.race([ctx.resume(), wait(300)]);
    if (ctx.state !== 'running') {
      this.onMuted(true);
      return 'muted';
    }
    this.onMuted(false);
    const parts = batch.length === 1 ? [batch[0].spoken] : compact(batch);
    batch.forEach((e, i) => { e.said = parts[i]; });
    await this.playBuffers(ctx, [[await this.buffer(ctx, 'chime.wav'), 'chime.wav']]);
    if (this.voice === 'speech') {
      const voice = vietnameseVoice();
      if (voice && (await speak(parts.join(', '), voice))) return 'done';
    }
    const words = [];
    for (const [i, p] of parts.entries()) {
      if (i > 0) words.push(null); // a short pause between two calls
      words.push(...(await this.wordBuffers(ctx, p)));
    }
    await this.playBuffers(ctx, words);
    return 'done';
  }

  audio() {
    if (!this.ctx) {
      const Ctx = window.AudioContext ?? window.webkitAudioContext;
      if (!Ctx) return null;
      this.ctx = new Ctx();
    }
    return this.ctx;
  }

  async buffer(ctx, file) {
    if (!this.buffers.has(file)) {
      const load = fetch(BASE + file)
        .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(file))))
        .then((data) => ctx.decodeAudioData(data));
      this.buffers.set(file, load);
      load.catch(() => this.buffers.delete(file));
    }
    return this.buffers.get(file);
  }

  /** [buffer, file] for each word of a phrase, longest known word group first ("e lờ" is one clip). */
  async wordBuffers(ctx, spoken) {
    if (!this.clips) this.clips = await fetch(`${BASE}clips.json`).then((r) => r.json());
    const words = spoken.toLowerCase().normalize('NFC').split(/[\s,;.]+/).filter(Boolean);
    const files = [];
    for (let i = 0; i < words.length; ) {
      const two = `${words[i]} ${words[i + 1] ?? ''}`;
      if (i + 1 < words.length && this.clips[two]) {
        files.push(this.clips[two]);
        i += 2;
      } else {
        if (this.clips[words[i]]) files.push(this.clips[words[i]]);
        i += 1;
      }
    }
    const loaded = await Promise.allSettled(files.map((f) => this.buffer(ctx, f)));
    return loaded.flatMap((r, i) => (r.status === 'fulfilled' ? [[r.value, files[i]]] : []));
  }

  /** Schedules [buffer, file] pairs (null = a pause) back to back and waits until the last ends. */
  playBuffers(ctx, items) {
    let t = ctx.currentTime + 0.05;
    for (const item of items) {
      if (!item) {
        t += PAUSE_S / this.speed;
        continue;
      }
      const [b, file] = item;
      const src = ctx.createBufferSource();
      src.buffer = b;
      src.playbackRate.value = this.speed;
      src.connect(ctx.destination);
      src.start(t);
      this.played.push(file);
      t += (b.duration + GAP_S) / this.speed;
    }
    if (this.played.length > 2000) this.played.splice(0, this.played.length - 2000);
    return wait((t - ctx.currentTime) * 1000);
  }
}

/** "mời số a mười hai đến quầy hai", "số bê bốn đến quầy ba", …: a backlog's sentence, call by call. */
export function compact(batch) {
  return batch.map((e, i) => `${i === 0 ? 'mời ' : ''}số ${ticketWords(e.number)} đến quầy ${numberWords(Number(e.counter))}`);
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function vietnameseVoice() {
  if (!('speechSynthesis' in window)) return null;
  const voices = speechSynthesis.getVoices();
  return voices.find((v) => /^vi([-_]|$)/i.test(v.lang)) ?? null;
}

/**
 * Speaks and waits for the end; resolves true when spoken, false when the
 * voice failed (an error, or it never started: an online voice without
 * internet), so the clips take over.
 */
function speak(text, voice) {
  return new Promise((resolve) => {
    const u = new SpeechSynthesisUtterance(text);
    u.voice = voice;
    u.lang = voice.lang;
    u.rate = 0.9;
    let started = false;
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      if (!ok) speechSynthesis.cancel();
      resolve(ok);
    };
    u.onstart = () => { started = true; };
    u.onend = () => done(started);
    u.onerror = () => done(false);
    setTimeout(() => { if (!started) done(false); }, 2500);
    setTimeout(() => done(started), 4000 + text.length * 150);
    speechSynthesis.speak(u);
  });
}

// Voices load asynchronously in Chromium; ask early so the first call finds them.
if (typeof window !== 'undefined' && 'speechSynthesis' in window) speechSynthesis.getVoices();
