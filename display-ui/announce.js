// Announcements: a chime, then the centre's phrase in Vietnamese. They queue and
// never cut each other off. The voice is the browser's speechSynthesis with a
// vi-VN voice when there is one; otherwise the bundled clips (audio/clips.json,
// one per word) are played back to back through Web Audio, so a TV box with no
// internet and no Vietnamese voice still speaks.
//
// Browsers refuse sound until someone touches the page (or the browser runs with
// --autoplay-policy=no-user-gesture-required, as a kiosk TV should). Until then
// announcements are recorded as `muted` and the page shows a hint.

import { phraseSpoken, phraseText } from './numbers.js';

const BASE = '/display/audio/';
/** More pending than this and the oldest are skipped: the board shows them anyway. */
const MAX_PENDING = 8;
const GAP_S = 0.03;

export class Announcer {
  /** @param {{voice: 'auto'|'speech'|'clips'|'off', onMuted: (muted: boolean) => void}} o */
  constructor({ voice = 'auto', onMuted = () => {} } = {}) {
    this.voice = voice;
    this.onMuted = onMuted;
    /** Every announcement, oldest first: {text, spoken, recall, state}; state is
     * pending, playing, done, muted or skipped. Tests read it. */
    this.queue = [];
    this.busy = false;
    this.ctx = null;
    this.clips = null;
    this.buffers = new Map();
  }

  /** Queues one call; `template` is the centre's phrase with {number} and {counter}. */
  announce(template, number, counter, recall = false) {
    const entry = {
      text: phraseText(template, number, counter),
      spoken: phraseSpoken(template, number, counter),
      recall,
      state: 'pending',
    };
    this.queue.push(entry);
    const pending = this.queue.filter((e) => e.state === 'pending');
    for (const e of pending.slice(0, Math.max(0, pending.length - MAX_PENDING))) e.state = 'skipped';
    if (this.queue.length > 200) this.queue.splice(0, this.queue.length - 200);
    this.run();
    return entry;
  }

  /** Called from a user gesture: lets the page make sound from now on. */
  unlock() {
    this.audio()?.resume();
    if ('speechSynthesis' in window) speechSynthesis.speak(new SpeechSynthesisUtterance(''));
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const entry = this.queue.find((e) => e.state === 'pending');
        if (!entry) break;
        entry.state = 'playing';
        entry.state = await this.play(entry).catch(() => 'muted');
      }
    } finally {
      this.busy = false;
    }
  }

  /** Plays one entry to the end; resolves with its final state. */
  async play(entry) {
    if (this.voice === 'off') return 'muted';
    const ctx = this.audio();
    if (!ctx) return 'muted';
    if (ctx.state !== 'running') await Promise.race([ctx.resume(), wait(300)]);
    if (ctx.state !== 'running') {
      this.onMuted(true);
      return 'muted';
    }
    this.onMuted(false);
    await this.playBuffers(ctx, [await this.buffer(ctx, 'chime.wav')]);
    const voice = this.voice !== 'clips' && vietnameseVoice();
    if (voice) {
      await speak(entry.spoken, voice);
    } else if (this.voice !== 'speech') {
      await this.playBuffers(ctx, await this.wordBuffers(ctx, entry.spoken));
    }
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

  /** The clips for a spoken phrase, longest known word group first ("e lờ" is one clip). */
  async wordBuffers(ctx, spoken) {
    if (!this.clips) this.clips = await fetch(`${BASE}clips.json`).then((r) => r.json());
    const words = spoken.toLowerCase().normalize('NFC').split(/\s+/).filter(Boolean);
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
    return loaded.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  }

  /** Schedules buffers back to back and waits until the last one ends. */
  playBuffers(ctx, buffers) {
    let t = ctx.currentTime + 0.05;
    for (const b of buffers) {
      const src = ctx.createBufferSource();
      src.buffer = b;
      src.connect(ctx.destination);
      src.start(t);
      t += b.duration + GAP_S;
    }
    return wait((t - ctx.currentTime) * 1000);
  }
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function vietnameseVoice() {
  if (!('speechSynthesis' in window)) return null;
  const voices = speechSynthesis.getVoices();
  return voices.find((v) => /^vi([-_]|$)/i.test(v.lang)) ?? null;
}

/** Speaks and waits for the end (bounded: some engines never fire `end`). */
function speak(text, voice) {
  return new Promise((resolve) => {
    const u = new SpeechSynthesisUtterance(text);
    u.voice = voice;
    u.lang = voice.lang;
    u.rate = 0.9;
    const done = () => resolve();
    u.onend = done;
    u.onerror = done;
    setTimeout(done, 2000 + text.length * 150);
    speechSynthesis.speak(u);
  });
}

// Voices load asynchronously in Chromium; ask early so the first call finds them.
if (typeof window !== 'undefined' && 'speechSynthesis' in window) speechSynthesis.getVoices();
