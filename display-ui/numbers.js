// How the board says ticket and counter numbers, the way staff read them aloud.
// Pure functions (no DOM), so node:test checks them directly.
//
// - A number is read as a whole, in words: 12 "mười hai", 15 "mười lăm",
//   21 "hai mươi mốt", 105 "một trăm linh năm", 1012 "một nghìn không trăm mười hai".
// - A ticket number with a letter prefix reads the letter by its Vietnamese name,
//   then the rest as a number without its leading zeros: "A012" -> "a mười hai",
//   "B105" -> "bê một trăm linh năm". An all-digit ticket ("1012") is one number.
// - Numbers above 999 999 (never printed on a ticket) are read digit by digit.

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];

/** Letter names as Vietnamese speakers spell them out. */
export const LETTERS = {
  A: 'a', B: 'bê', C: 'xê', D: 'dê', Đ: 'đê', E: 'e', F: 'ép', G: 'giê', H: 'hát', I: 'i',
  J: 'gi', K: 'ca', L: 'e lờ', M: 'em mờ', N: 'en nờ', O: 'o', P: 'pê', Q: 'quy', R: 'e rờ',
  S: 'ét', T: 'tê', U: 'u', V: 'vê', W: 'vê kép', X: 'ích xì', Y: 'i dài', Z: 'dét',
};

/** 0..99 in words. */
function tens(n) {
  if (n < 10) return DIGITS[n];
  const t = Math.floor(n / 10);
  const u = n % 10;
  const head = t === 1 ? 'mười' : `${DIGITS[t]} mươi`;
  if (u === 0) return head;
  if (u === 5) return `${head} lăm`;
  if (u === 1 && t > 1) return `${head} mốt`;
  return `${head} ${DIGITS[u]}`;
}

/** 0..999 in words; `full` reads a zero hundreds digit ("không trăm") inside a larger number. */
function hundreds(n, full) {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h === 0 && !full) return tens(rest);
  const head = `${DIGITS[h]} trăm`;
  if (rest === 0) return head;
  if (rest < 10) return `${head} linh ${DIGITS[rest]}`;
  return `${head} ${tens(rest)}`;
}

/** A non-negative integer in Vietnamese words. */
export function numberWords(n) {
  if (!Number.isInteger(n) || n < 0) return '';
  if (n > 999999) return String(n).split('').map((d) => DIGITS[Number(d)]).join(' ');
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  if (thousands === 0) return hundreds(rest, false);
  const head = `${hundreds(thousands, false)} nghìn`;
  if (rest === 0) return head;
  return `${head} ${hundreds(rest, true)}`;
}

/** A ticket number ("A012", "1012") as it is said aloud. */
export function ticketWords(ticket) {
  const m = /^([^0-9]*)([0-9]*)$/u.exec(String(ticket).trim().toUpperCase());
  if (!m) return String(ticket);
  const letters = [...m[1]].map((c) => LETTERS[c] ?? c.toLowerCase());
  const words = m[2] ? [numberWords(Number(m[2]))] : [];
  return [...letters, ...words].join(' ');
}

/** The centre's phrase with the number and counter as printed (for the screen and tests). */
export function phraseText(template, number, counter) {
  return template.replaceAll('{number}', number).replaceAll('{counter}', String(counter));
}

/** The same phrase with numbers in words (what is spoken). */
export function phraseSpoken(template, number, counter) {
  return template
    .replaceAll('{number}', ticketWords(number))
    .replaceAll('{counter}', numberWords(Number(counter)));
}
