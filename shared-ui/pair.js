// The pairing page (/pair#token=...): a new kiosk, board or rating tablet
// opens the link (scanned from the QR the admin page shows) once. The token
// is in the fragment, which browsers never send to a server, so it reaches no
// log; this page removes it from the address bar at once, asks the server
// which device it is, keeps the token where that device's page looks for it,
// and opens that page (a rating tablet the page of the counter it is bound to).
import { request } from '/shared/api.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token') || '';
history.replaceState(null, '', location.pathname);

/** Where each kind of device keeps its token (see each page's deviceToken call). */
const KEYS = { kiosk: 'luot.kiosk.token', rating: 'luot.rating.token', display: 'luot.display.token' };

function say(vi, en, error = false) {
  $('status').textContent = vi;
  $('status-en').textContent = en;
  $('status').className = error ? 'error' : '';
}

function open(href) {
  $('open').href = href;
  $('open').hidden = false;
  setTimeout(() => location.assign(href), 1500);
}

async function pair() {
  if (!token) return say('Đường dẫn ghép nối không có mã thiết bị.', 'The pairing link has no device token.', true);
  let me;
  try {
    me = await request('GET', '/api/v1/auth/me', { token });
  } catch (e) {
    if (e.status === 0) return say(e.vi, e.en, true);
    return say('Mã thiết bị không hợp lệ hoặc đã bị thu hồi.', 'The device token is invalid or revoked.', true);
  }
  if (me.type !== 'device' || !KEYS[me.kind]) return say('Đây không phải mã thiết bị.', 'This is not a device token.', true);
  localStorage.setItem(KEYS[me.kind], token);
  const centre = encodeURIComponent(me.centre);
  if (me.kind === 'kiosk') {
    localStorage.setItem('luot.kiosk.centre', me.centre);
    say('Đã ghép nối ki-ốt. Đang mở trang lấy số…', 'Kiosk paired. Opening the ticket page…');
    return open('/kiosk');
  }
  if (me.kind === 'display') {
    say('Đã ghép nối màn hình. Đang mở bảng gọi số…', 'Board paired. Opening the board…');
    return open(`/display?centre=${centre}`);
  }
  // A rating tablet is registered for one counter and rates there only.
  if (!me.counter) {
    return say('Máy đánh giá này chưa gắn với quầy nào: hãy nhờ quản trị viên đăng ký lại cho một quầy.',
      'This rating tablet is bound to no counter: ask an administrator to register it again for a counter.', true);
  }
  say(`Đã ghép nối máy đánh giá quầy ${me.counter}. Đang mở…`, `Rating tablet of counter ${me.counter} paired. Opening…`);
  return open(`/rate/${me.counter}`);
}

pair();
