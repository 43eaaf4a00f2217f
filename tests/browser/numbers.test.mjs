// How the display reads numbers aloud (display-ui/numbers.js): no browser needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { numberWords, phraseSpoken, phraseText, ticketWords } from '../../display-ui/numbers.js';

test('numbers are read the way staff read them', () => {
  const cases = {
    0: 'không', 5: 'năm', 10: 'mười', 11: 'mười một', 12: 'mười hai', 15: 'mười lăm',
    20: 'hai mươi', 21: 'hai mươi mốt', 25: 'hai mươi lăm', 34: 'ba mươi bốn',
    100: 'một trăm', 105: 'một trăm linh năm', 110: 'một trăm mười', 121: 'một trăm hai mươi mốt',
    1000: 'một nghìn', 1005: 'một nghìn không trăm linh năm', 1012: 'một nghìn không trăm mười hai',
    2021: 'hai nghìn không trăm hai mươi mốt', 10000: 'mười nghìn',
  };
  for (const [n, words] of Object.entries(cases)) assert.equal(numberWords(Number(n)), words, n);
});

test('tickets: the letter by its name, then the number without leading zeros', () => {
  assert.equal(ticketWords('A012'), 'a mười hai');
  assert.equal(ticketWords('A001'), 'a một');
  assert.equal(ticketWords('B105'), 'bê một trăm linh năm');
  assert.equal(ticketWords('C015'), 'xê mười lăm');
  assert.equal(ticketWords('F021'), 'ép hai mươi mốt');
  assert.equal(ticketWords('1012'), 'một nghìn không trăm mười hai');
});

test('the phrase is shown with the printed number and spoken in words', () => {
  const p = 'Xin mời công dân số {number} đến quầy số {counter}';
  assert.equal(phraseText(p, 'A012', 3), 'Xin mời công dân số A012 đến quầy số 3');
  assert.equal(phraseSpoken(p, 'A012', 3), 'Xin mời công dân số a mười hai đến quầy số ba');
});
