// The chat web client: IRC over the server's WebSocket (text.ircv3.net).
// Everything users send is shown with textContent, never parsed as HTML.
import { parse, format, fold, isChannel, base64Utf8 } from './irc.js';
import { pickLanguage, translate } from './i18n.js';

const DEFAULT_ROOM = '#general';
const SERVER = '*';
const MAX_KEPT = 1000;
const HISTORY_PAGE = 50;
const WANTED_CAPS = ['server-time', 'echo-message', 'message-tags', 'batch', 'multi-prefix', 'away-notify',
  'draft/chathistory', 'chathistory', 'sasl', 'draft/account-registration'];

const $ = (id) => document.getElementById(id);

const ui = {
  status: $('status'), lang: $('lang'),
  loginView: $('login-view'), loginForm: $('login-form'), nick: $('nick'), password: $('password'),
  accountFields: $('account-fields'), registerRow: $('register-row'), register: $('register'), loginError: $('login-error'),
  chatView: $('chat-view'), roomName: $('room-name'), topic: $('topic'),
  roomsPanel: $('rooms-panel'), usersPanel: $('users-panel'), toggleRooms: $('toggle-rooms'), toggleUsers: $('toggle-users'),
  roomList: $('room-list'), joinForm: $('join-form'), joinInput: $('join-input'),
  older: $('older'), messages: $('messages'), sendForm: $('send-form'), input: $('input'), userList: $('user-list'),
};

const state = {
  lang: pickLanguage(safeStorage('chat.lang'), navigator.languages || [navigator.language]),
  socket: null,
  offered: new Map(), // capability name -> value, from CAP LS
  capsKnown: false,
  enabled: new Set(),
  registered: false,
  nick: null,
  login: null, // { nick, password, register } once the form was sent
  wantedRooms: [DEFAULT_ROOM],
  buffers: new Map(), // folded name -> buffer
  active: SERVER,
  batches: new Map(), // batch ref -> { type, target, messages }
  attempt: 0,
  reconnectTimer: null,
  countdownTimer: null,
  quitting: false,
  wasRegistered: false,
  saslDone: false,
  history: false,
};

function safeStorage(key, value) {
  try {
    if (value === undefined) return localStorage.getItem(key);
    localStorage.setItem(key, value);
  } catch (e) {
    // Private windows may refuse storage; the defaults do.
  }
  return null;
}

const t = (key, ...args) => translate(state.lang, key, ...args);

// ---------------------------------------------------------------- buffers

function buffer(name, kind) {
  const key = name === SERVER ? SERVER : fold(name);
  let b = state.buffers.get(key);
  if (!b) {
    b = { key, name, kind: kind || (isChannel(name) ? 'room' : 'query'), messages: [], unread: 0,
      users: new Map(), topic: null, joined: false, names: null, namesShown: false, historyDone: false, msgids: new Set() };
    state.buffers.set(key, b);
    renderRooms();
  }
  return b;
}

function activeBuffer() {
  return state.buffers.get(state.active) || buffer(SERVER, 'server');
}

/** Adds an entry ({ time, kind, nick, text, key, args, msgid }) to a buffer and shows it if it is the active one. */
function add(b, entry, { count = true } = {}) {
  entry.time = entry.time || new Date();
  if (entry.msgid) {
    if (b.msgids.has(entry.msgid)) return;
    b.msgids.add(entry.msgid);
  }
  b.messages.push(entry);
  if (b.messages.length > MAX_KEPT) b.messages.splice(0, b.messages.length - MAX_KEPT);
  if (b.key === state.active) {
    appendMessage(entry);
  } else if (count && (entry.kind === 'message' || entry.kind === 'action') && !isMe(entry.nick)) {
    b.unread += 1;
    renderRooms();
  }
}

/**
 * Merges a chathistory batch (oldest first) into a buffer, skipping messages already
 * there. Times are only to the millisecond and a burst shares them, so the batch's
 * own order is kept: each entry goes after the previous one, before the first entry
 * that is later (or, for older messages, not earlier). Returns how many were new.
 */
function mergeHistory(b, entries, older) {
  let at = 0;
  let added = 0;
  for (const entry of entries) {
    if (entry.msgid) {
      if (b.msgids.has(entry.msgid)) continue;
      b.msgids.add(entry.msgid);
    }
    entry.history = true;
    while (at < b.messages.length && (older ? b.messages[at].time < entry.time : b.messages[at].time <= entry.time)) at += 1;
    b.messages.splice(at, 0, entry);
    at += 1;
    added += 1;
  }
  // Older messages were asked for: keep them, drop the newest instead.
  if (b.messages.length > MAX_KEPT) {
    if (older) b.messages.splice(MAX_KEPT);
    else b.messages.splice(0, b.messages.length - MAX_KEPT);
  }
  return added;
}

function system(b, key, ...args) {
  add(b, { kind: 'system', key, args });
}

function error(b, text) {
  add(b, { kind: 'error', text });
}

function switchTo(key) {
  if (!state.buffers.has(key)) return;
  state.active = key;
  const b = state.buffers.get(key);
  b.unread = 0;
  renderRooms();
  renderMessages();
  renderUsers();
  renderHeader();
  closePanels();
}

function removeBuffer(key) {
  state.buffers.delete(key);
  if (state.active === key) {
    const next = [...state.buffers.values()].find((b) => b.kind === 'room') || [...state.buffers.values()][0];
    state.active = next ? next.key : SERVER;
    if (!next) buffer(SERVER, 'server');
  }
  switchTo(state.active);
}

// ---------------------------------------------------------------- rendering

function nickColour(nick) {
  let hash = 0;
  for (const ch of fold(nick)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return 'c' + (hash % 11);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function entryText(entry) {
  return entry.key ? t(entry.key, ...(entry.args || [])) : entry.text;
}

function renderEntry(entry) {
  const li = el('li', entry.history ? entry.kind + ' history' : entry.kind);
  if (entry.history) li.title = t('fromHistory');
  const time = el('time', null, entry.time.toLocaleTimeString(state.lang, { hour: '2-digit', minute: '2-digit' }));
  time.dateTime = entry.time.toISOString();
  li.append(time);
  if (entry.kind === 'message' || entry.kind === 'notice') {
    li.append(el('span', 'nick ' + nickColour(entry.nick), entry.nick), document.createTextNode(': '));
    if (entry.to) li.append(el('span', 'system', '(' + t('privateTo', entry.to) + ') '));
    li.append(el('span', 'text', entry.text));
  } else if (entry.kind === 'action') {
    li.append(document.createTextNode('* '), el('span', 'nick ' + nickColour(entry.nick), entry.nick),
      el('span', 'text', ' ' + entry.text));
  } else {
    li.append(el('span', 'text', (entry.kind === 'error' ? '! ' : '— ') + entryText(entry)));
  }
  return li;
}

function nearBottom() {
  const m = ui.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
}

function appendMessage(entry) {
  const stick = nearBottom();
  ui.messages.append(renderEntry(entry));
  if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
}

/** Shows the active buffer, scrolled to the bottom, or so that <show> (an entry) is the last one in view. */
function renderMessages({ show = null } = {}) {
  const b = activeBuffer();
  const m = ui.messages;
  m.setAttribute('aria-busy', 'true');
  m.replaceChildren(...b.messages.map(renderEntry));
  m.setAttribute('aria-label', t('messages', b.kind === 'server' ? t('serverTab') : b.name));
  const i = show ? b.messages.indexOf(show) : -1;
  if (i >= 0) m.scrollTop += m.children[i].getBoundingClientRect().bottom - m.getBoundingClientRect().bottom;
  else m.scrollTop = m.scrollHeight;
  m.removeAttribute('aria-busy');
  ui.older.hidden = !(state.history && b.kind !== 'server' && !b.historyDone && b.messages.length > 0);
}

function renderRooms() {
  const items = [...state.buffers.values()]
    .filter((b) => b.kind !== 'server' || b.messages.length > 0)
    .sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))
    .map((b) => {
      const li = el('li');
      const button = el('button', null);
      button.type = 'button';
      button.dataset.key = b.key;
      button.append(el('span', 'name', b.kind === 'server' ? t('serverTab') : b.name));
      if (b.unread > 0) {
        const badge = el('span', 'badge', String(b.unread));
        badge.setAttribute('aria-label', t('unread', b.unread));
        button.append(badge);
      }
      if (b.key === state.active) button.setAttribute('aria-current', 'true');
      button.addEventListener('click', () => { switchTo(b.key); ui.input.focus(); });
      li.append(button);
      return li;
    });
  ui.roomList.replaceChildren(...items);
}

function order(b) {
  return b.kind === 'room' ? 0 : b.kind === 'query' ? 1 : 2;
}

function renderUsers() {
  const b = activeBuffer();
  const users = [...b.users.entries()].sort(([a, pa], [c, pc]) => rank(pa) - rank(pc) || a.localeCompare(c, undefined, { sensitivity: 'base' }));
  ui.userList.replaceChildren(...users.map(([nick, info]) => {
    const li = el('li', info.away ? 'away' : null);
    if (info.prefix) li.append(el('span', 'prefix', info.prefix[0]));
    li.append(el('span', nickColour(nick), nick));
    return li;
  }));
  ui.usersPanel.hidden = b.kind !== 'room';
  ui.toggleUsers.hidden = b.kind !== 'room';
}

function rank(info) {
  const p = (info && info.prefix) || '';
  return p.includes('@') ? 0 : p.includes('+') ? 1 : 2;
}

function renderHeader() {
  const b = activeBuffer();
  ui.roomName.textContent = b.kind === 'server' ? t('serverTab') : b.name;
  ui.topic.textContent = b.kind === 'room' && b.topic ? b.topic : '';
  ui.input.placeholder = t('messagePlaceholder', b.kind === 'server' ? t('serverTab') : b.name);
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  ui.lang.value = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel));
  document.title = t('title');
  if (state.registered) {
    renderRooms();
    renderMessages();
    renderHeader();
  }
}

function setStatus(key, ...args) {
  ui.status.textContent = key ? t(key, ...args) : '';
}

function closePanels() {
  for (const [panel, toggle] of [[ui.roomsPanel, ui.toggleRooms], [ui.usersPanel, ui.toggleUsers]]) {
    panel.classList.remove('open');
    toggle.setAttribute('aria-expanded', 'false');
  }
}

function togglePanel(panel, toggle, other, otherToggle) {
  const open = !panel.classList.contains('open');
  other.classList.remove('open');
  otherToggle.setAttribute('aria-expanded', 'false');
  panel.classList.toggle('open', open);
  toggle.setAttribute('aria-expanded', String(open));
  if (open) {
    const first = panel.querySelector('button, input');
    if (first) first.focus();
  }
}

// ---------------------------------------------------------------- connection

function send(command, ...params) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(format(command, ...params));
}

function connect() {
  clearTimeout(state.reconnectTimer);
  clearInterval(state.countdownTimer);
  state.offered = new Map();
  state.capsKnown = false;
  state.enabled = new Set();
  state.registered = false;
  state.saslDone = false;
  state.registering = null;
  state.batches = new Map();
  setStatus('connecting');
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/irc';
  let socket;
  try {
    socket = new WebSocket(url, ['text.ircv3.net']);
  } catch (e) {
    scheduleReconnect();
    return;
  }
  state.socket = socket;
  socket.addEventListener('open', () => send('CAP', 'LS', '302'));
  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    for (const line of event.data.split(/\r?\n/)) {
      if (!line) continue;
      const message = parse(line);
      if (message) handle(message);
    }
  });
  socket.addEventListener('close', () => {
    if (state.socket !== socket) return;
    state.socket = null;
    const was = state.registered;
    state.registered = false;
    if (state.quitting) {
      setStatus('disconnected');
      return;
    }
    if (was) state.wasRegistered = true;
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  clearInterval(state.countdownTimer);
  const base = Math.min(30, 2 ** state.attempt);
  const delay = Math.max(1, Math.round(base * (0.5 + Math.random() * 0.5)));
  state.attempt += 1;
  let left = delay;
  setStatus('reconnecting', left);
  state.countdownTimer = setInterval(() => {
    left -= 1;
    if (left > 0) setStatus('reconnecting', left);
  }, 1000);
  state.reconnectTimer = setTimeout(connect, delay * 1000);
}

/** Registration, once both the capability list and the login form are there. */
function maybeRegister() {
  if (!state.capsKnown || !state.login || state.registered || !state.socket) return;
  if (state.registering === state.socket) return;
  state.registering = state.socket;
  const wanted = WANTED_CAPS.filter((c) => state.offered.has(c))
    .filter((c) => c !== 'sasl' || state.login.password)
    .filter((c) => c !== 'draft/account-registration' || state.login.register);
  if (wanted.length > 0) send('CAP', 'REQ', wanted.join(' '));
  send('NICK', state.login.nick);
  send('USER', userName(state.login.nick), '0', '*', state.login.nick);
  if (wanted.length === 0) send('CAP', 'END');
}

function userName(nick) {
  const ascii = nick.replace(/[^A-Za-z0-9]/g, '').slice(0, 9);
  return ascii || 'chat';
}

function afterAck() {
  const login = state.login;
  if (login.register && state.enabled.has('draft/account-registration')) {
    send('REGISTER', login.nick, '*', login.password);
    return;
  }
  if (login.password && state.enabled.has('sasl') && !state.saslDone) {
    send('AUTHENTICATE', 'PLAIN');
    return;
  }
  send('CAP', 'END');
}

function loginFailed(text) {
  backToLogin(t('loginFailed', text));
}

/** Drops this connection and shows the form again with why; a fresh connection waits for the next try. */
function backToLogin(why) {
  state.login = null;
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close();
  showLogin(why);
  setTimeout(() => { if (!state.socket) connect(); }, 300);
}

function showLogin(errorText) {
  ui.chatView.hidden = true;
  ui.loginView.hidden = false;
  ui.loginError.textContent = errorText || '';
  ui.nick.focus();
}

function showChat() {
  ui.loginView.hidden = true;
  ui.chatView.hidden = false;
  ui.loginError.textContent = '';
}

// ---------------------------------------------------------------- what the server says

function timeOf(m) {
  const time = m.tags.time ? new Date(m.tags.time) : new Date();
  return Number.isNaN(time.getTime()) ? new Date() : time;
}

function isMe(nick) {
  return nick && state.nick && fold(nick) === fold(state.nick);
}

function handle(m) {
  const batchRef = m.tags.batch;
  if (batchRef && state.batches.has(batchRef) && m.command !== 'BATCH') {
    state.batches.get(batchRef).messages.push(m);
    return;
  }
  const p = m.params;
  switch (m.command) {
    case 'PING': send('PONG', p[0] || ''); break;
    case 'CAP': onCap(p); break;
    case 'AUTHENTICATE':
      if (p[0] === '+' && state.login && state.login.password) {
        const login = state.login;
        const payload = base64Utf8(login.nick + '\0' + login.nick + '\0' + login.password);
        for (let i = 0; i < payload.length; i += 400) send('AUTHENTICATE', payload.slice(i, i + 400));
        if (payload.length % 400 === 0) send('AUTHENTICATE', '+');
      }
      break;
    case '900': system(buffer(SERVER, 'server'), 'loggedIn', p[2] || ''); break;
    case '903': state.saslDone = true; send('CAP', 'END'); break;
    case '902': case '904': case '905': case '906':
      // 904 with the standard text is a wrong account or password: say so plainly.
      if (!state.registered) {
        const why = p[p.length - 1] || '';
        loginFailed(m.command === '904' && /^SASL authentication failed\.?$/i.test(why) ? t('badPassword') : why);
      }
      break;
    case 'REGISTER':
      if (p[0] === 'SUCCESS') {
        system(buffer(SERVER, 'server'), 'accountCreated', p[1] || '');
        state.saslDone = true;
        send('CAP', 'END');
      }
      break;
    case 'FAIL':
      if (!state.registered && (p[0] === 'REGISTER' || p[0] === 'AUTHENTICATE')) loginFailed(p[p.length - 1]);
      else error(activeBuffer(), p[p.length - 1]);
      break;
    case '001': onWelcome(p); break;
    case '432': case '433':
      if (!state.registered) {
        if (state.wasRegistered && m.command === '433') {
          // Our old connection may not be gone yet: try a variant of the alias.
          state.login.nick = state.login.nick + '_';
          send('NICK', state.login.nick);
        } else {
          const nick = p[1] || (state.login && state.login.nick) || '';
          backToLogin(t(m.command === '433' ? 'nickInUse' : 'nickInvalid', nick));
        }
      } else {
        error(activeBuffer(), t(m.command === '433' ? 'nickInUse' : 'nickInvalid', p[1] || ''));
      }
      break;
    case 'JOIN': onJoin(m); break;
    case 'PART': onPart(m); break;
    case 'KICK': onKick(m); break;
    case 'QUIT': onQuit(m); break;
    case 'NICK': onNick(m); break;
    case 'AWAY': onAway(m); break;
    case 'TOPIC': {
      const b = buffer(p[0]);
      b.topic = p[1] || '';
      add(b, { kind: 'system', key: 'topicSet', args: [m.nick || '', b.topic], time: timeOf(m), msgid: m.tags.msgid });
      if (b.key === state.active) renderHeader();
      break;
    }
    case '332': {
      const b = buffer(p[1]);
      b.topic = p[2] || '';
      system(b, 'topicIs', b.topic);
      if (b.key === state.active) renderHeader();
      break;
    }
    case '331': system(buffer(p[1]), 'noTopic'); break;
    case '353': {
      const b = buffer(p[p.length - 2]);
      b.names = b.names || new Map();
      for (const entry of (p[p.length - 1] || '').split(' ')) {
        if (!entry) continue;
        const match = /^([~&@%+]*)([^!]+)/.exec(entry);
        if (match) b.names.set(match[2], { prefix: match[1], away: false });
      }
      break;
    }
    case '366': {
      const b = buffer(p[1]);
      if (b.names) {
        b.users = b.names;
        b.names = null;
      }
      if (b.namesShown) {
        b.namesShown = false;
        system(b, 'users', b.name, [...b.users.entries()].map(([n, i]) => (i.prefix ? i.prefix[0] : '') + n).join(', '));
      }
      if (b.key === state.active) renderUsers();
      break;
    }
    case '301': add(buffer(p[1]), { kind: 'system', key: 'userAway', args: [p[1], p[2] || ''] }); break;
    case '305': system(activeBuffer(), 'back'); break;
    case '306': system(activeBuffer(), 'away'); break;
    case 'PRIVMSG': case 'NOTICE': onMessage(m); break;
    case 'BATCH': onBatch(m); break;
    case 'ERROR': error(buffer(SERVER, 'server'), p[0] || ''); break;
    default:
      if (/^[45]\d\d$/.test(m.command) && p.length > 1) {
        const subject = p.length > 2 ? p[1] + ': ' : '';
        error(state.registered ? activeBuffer() : buffer(SERVER, 'server'), subject + p[p.length - 1]);
      } else if (/^(00[2-5]|25\d|26[56]|37[256]|422)$/.test(m.command)) {
        add(buffer(SERVER, 'server'), { kind: 'notice', nick: m.source || 'server', text: p.slice(1).join(' ') }, { count: false });
      }
  }
}

function onCap(p) {
  const sub = (p[1] || '').toUpperCase();
  if (sub === 'LS') {
    const more = p[2] === '*';
    const list = more ? p[3] : p[2];
    for (const item of (list || '').split(' ')) {
      if (!item) continue;
      const eq = item.indexOf('=');
      state.offered.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? '' : item.slice(eq + 1));
    }
    if (!more) {
      state.capsKnown = true;
      const sasl = state.offered.has('sasl');
      ui.accountFields.hidden = !sasl;
      ui.registerRow.hidden = !state.offered.has('draft/account-registration');
      if (state.login) maybeRegister();
      else setStatus('connected');
    }
  } else if (sub === 'ACK') {
    for (const cap of (p[2] || '').split(' ')) {
      if (!cap) continue;
      if (cap.startsWith('-')) state.enabled.delete(cap.slice(1));
      else state.enabled.add(cap);
    }
    state.history = state.enabled.has('draft/chathistory') || state.enabled.has('chathistory');
    if (!state.registered) afterAck();
  } else if (sub === 'NAK') {
    if (!state.registered) send('CAP', 'END');
  }
}

function onWelcome(p) {
  state.registered = true;
  state.registering = null;
  state.nick = p[0];
  if (state.login) state.login.nick = p[0];
  state.attempt = 0;
  clearInterval(state.countdownTimer);
  setStatus(state.wasRegistered ? 'reconnected' : 'connected');
  showChat();
  for (const b of state.buffers.values()) {
    b.joined = false;
    b.users = new Map();
  }
  for (const room of state.wantedRooms) send('JOIN', room);
  if (!state.buffers.has(state.active)) state.active = SERVER;
  renderRooms();
  renderHeader();
  ui.input.focus();
}

function onJoin(m) {
  const channel = m.params[0];
  const b = buffer(channel, 'room');
  if (isMe(m.nick)) {
    const first = !b.joined;
    b.joined = true;
    if (!state.wantedRooms.some((r) => fold(r) === b.key)) state.wantedRooms.push(channel);
    b.name = channel;
    if (first) {
      add(b, { kind: 'system', key: 'youJoined', args: [channel], time: timeOf(m) }, { count: false });
      if (state.history) requestLatest(b);
    }
    if (state.active === SERVER || state.pendingSwitch === b.key || !state.buffers.has(state.active)) {
      state.pendingSwitch = null;
      switchTo(b.key);
    } else {
      renderRooms();
    }
    return;
  }
  b.users.set(m.nick, { prefix: '', away: false });
  add(b, { kind: 'system', key: 'joined', args: [m.nick, channel], time: timeOf(m), msgid: m.tags.msgid });
  if (b.key === state.active) renderUsers();
}

function onPart(m) {
  const [channel, reason] = m.params;
  const b = buffer(channel, 'room');
  if (isMe(m.nick)) {
    state.wantedRooms = state.wantedRooms.filter((r) => fold(r) !== b.key);
    removeBuffer(b.key);
    return;
  }
  b.users.delete(m.nick);
  add(b, { kind: 'system', key: reason ? 'leftReason' : 'left', args: [m.nick, channel, reason], time: timeOf(m), msgid: m.tags.msgid });
  if (b.key === state.active) renderUsers();
}

function onKick(m) {
  const [channel, kicked, reason] = m.params;
  const b = buffer(channel, 'room');
  b.users.delete(kicked);
  add(b, { kind: 'system', key: reason ? 'kickedReason' : 'kicked', args: [kicked, channel, m.nick, reason], time: timeOf(m) });
  if (isMe(kicked)) {
    b.joined = false;
    state.wantedRooms = state.wantedRooms.filter((r) => fold(r) !== b.key);
  }
  if (b.key === state.active) renderUsers();
}

function onQuit(m) {
  const reason = m.params[0];
  for (const b of state.buffers.values()) {
    const known = [...b.users.keys()].find((n) => fold(n) === fold(m.nick || ''));
    if (known) {
      b.users.delete(known);
      add(b, { kind: 'system', key: reason ? 'quitReason' : 'quit', args: [m.nick, reason], time: timeOf(m) });
    }
  }
  renderUsers();
}

function onNick(m) {
  const next = m.params[0];
  const self = isMe(m.nick);
  if (self) {
    state.nick = next;
    if (state.login) state.login.nick = next;
  }
  for (const b of state.buffers.values()) {
    const known = [...b.users.keys()].find((n) => fold(n) === fold(m.nick || ''));
    if (known) {
      const info = b.users.get(known);
      b.users.delete(known);
      b.users.set(next, info);
      add(b, self ? { kind: 'system', key: 'youAreNow', args: [next] } : { kind: 'system', key: 'nickChanged', args: [m.nick, next] });
    }
  }
  if (self && ![...state.buffers.values()].some((b) => b.users.size > 0)) system(activeBuffer(), 'youAreNow', next);
  renderUsers();
}

function onAway(m) {
  for (const b of state.buffers.values()) {
    const known = [...b.users.keys()].find((n) => fold(n) === fold(m.nick || ''));
    if (known) b.users.get(known).away = m.params.length > 0;
  }
  renderUsers();
}

/** Turns a PRIVMSG or NOTICE into an entry, and the buffer it belongs to. */
function messageEntry(m) {
  const [target, raw = ''] = m.params;
  const notice = m.command === 'NOTICE';
  if (!m.nick || !(m.source || '').includes('!')) {
    return { b: buffer(SERVER, 'server'), entry: { kind: 'notice', nick: m.source || 'server', text: raw, time: timeOf(m) }, server: true };
  }
  let text = raw;
  let kind = notice ? 'notice' : 'message';
  if (text.startsWith('\u0001')) {
    const ctcp = text.replace(/^\u0001|\u0001$/g, '');
    if (!ctcp.startsWith('ACTION ')) return null;
    kind = 'action';
    text = ctcp.slice(7);
  }
  const fromMe = isMe(m.nick);
  const name = isChannel(target) ? target : fromMe ? target : m.nick;
  const entry = { kind, nick: m.nick, text, time: timeOf(m), msgid: m.tags.msgid };
  if (!isChannel(target) && fromMe && kind !== 'action') entry.to = target;
  return { b: buffer(name), entry };
}

function onMessage(m) {
  const result = messageEntry(m);
  if (!result) {
    if (m.command === 'PRIVMSG' && /^\u0001VERSION\u0001?$/.test(m.params[1] || '')) send('NOTICE', m.nick, '\u0001VERSION chat web client\u0001');
    return;
  }
  add(result.b, result.entry, { count: !result.server });
}

function onBatch(m) {
  const ref = m.params[0] || '';
  if (ref.startsWith('+')) {
    state.batches.set(ref.slice(1), { type: m.params[1], target: m.params[2], messages: [] });
    return;
  }
  const batch = state.batches.get(ref.slice(1));
  state.batches.delete(ref.slice(1));
  if (!batch) return;
  if (/chathistory/.test(batch.type || '')) {
    const b = buffer(batch.target);
    const older = Boolean(b.loadingOlder);
    const entries = [];
    for (const hm of batch.messages) {
      if (hm.command !== 'PRIVMSG' && hm.command !== 'NOTICE') continue;
      const result = messageEntry(hm);
      if (result && !result.server && result.b === b) entries.push(result.entry);
    }
    const added = mergeHistory(b, entries, older);
    if (batch.messages.length < HISTORY_PAGE || added === 0) b.historyDone = true;
    b.loadingOlder = false;
    // Older messages: show the newest of them at the bottom, where they meet what was already there.
    const newest = [...entries].reverse().find((e) => b.messages.includes(e));
    if (b.key === state.active) renderMessages({ show: older ? newest : null });
  } else {
    for (const inner of batch.messages) {
      delete inner.tags.batch;
      handle(inner);
    }
  }
}

function requestLatest(b) {
  send('CHATHISTORY', 'LATEST', b.name, '*', String(HISTORY_PAGE));
}

function requestOlder() {
  const b = activeBuffer();
  const oldest = b.messages.find((e) => e.kind === 'message' || e.kind === 'action' || e.kind === 'notice');
  if (!oldest || b.loadingOlder) return;
  b.loadingOlder = true;
  const stamp = oldest.msgid ? 'msgid=' + oldest.msgid : 'timestamp=' + oldest.time.toISOString();
  send('CHATHISTORY', 'BEFORE', b.name, stamp, String(HISTORY_PAGE));
}

// ---------------------------------------------------------------- what the user types

function sendText(target, text, action) {
  if (!target || target === SERVER) {
    system(activeBuffer(), 'notInRoom');
    return;
  }
  const payload = action ? '\u0001ACTION ' + text + '\u0001' : text;
  send('PRIVMSG', target, payload);
  if (!state.enabled.has('echo-message')) {
    const entry = { kind: action ? 'action' : 'message', nick: state.nick, text };
    if (!isChannel(target) && !action) entry.to = target;
    add(buffer(target), entry);
  }
}

function usage(text) {
  error(activeBuffer(), t('usage', text));
}

function runCommand(line) {
  const b = activeBuffer();
  const target = b.kind === 'server' ? null : b.name;
  const match = /^\/(\S+)\s*(.*)$/.exec(line);
  const verb = match[1].toLowerCase();
  const rest = match[2];
  const args = rest.split(/\s+/).filter(Boolean);
  switch (verb) {
    case 'join': case 'j': {
      if (args.length === 0) { usage('/join #room'); return; }
      for (const raw of args[0].split(',')) {
        const room = isChannel(raw) ? raw : '#' + raw;
        state.pendingSwitch = fold(room);
        if (state.buffers.has(fold(room)) && state.buffers.get(fold(room)).joined) switchTo(fold(room));
        else send('JOIN', room);
      }
      return;
    }
    case 'part': case 'leave': {
      let room = target;
      let reason = rest;
      if (args[0] && isChannel(args[0])) { room = args[0]; reason = rest.slice(args[0].length).trim(); }
      if (!room) { usage('/part [#room] [reason]'); return; }
      if (!isChannel(room)) { removeBuffer(fold(room)); return; }
      if (reason) send('PART', room, reason); else send('PART', room);
      return;
    }
    case 'msg': case 'query': {
      if (args.length < (verb === 'msg' ? 2 : 1)) { usage(verb === 'msg' ? '/msg nick text' : '/query nick'); return; }
      const text = rest.slice(rest.indexOf(args[0]) + args[0].length).trim();
      const q = buffer(args[0]);
      if (verb === 'query') { switchTo(q.key); return; }
      sendText(args[0], text, false);
      return;
    }
    case 'me': {
      if (!rest) { usage('/me action'); return; }
      sendText(target, rest, true);
      return;
    }
    case 'nick': {
      if (args.length !== 1) { usage('/nick newnick'); return; }
      send('NICK', args[0]);
      return;
    }
    case 'topic': {
      if (!target || !isChannel(target)) { system(b, 'notInRoom'); return; }
      if (rest) send('TOPIC', target, rest); else send('TOPIC', target);
      return;
    }
    case 'names': case 'who': {
      const room = args[0] || target;
      if (!room || !isChannel(room)) { system(b, 'notInRoom'); return; }
      buffer(room).namesShown = true;
      send('NAMES', room);
      return;
    }
    case 'away': {
      if (rest) send('AWAY', rest); else send('AWAY');
      return;
    }
    case 'quit': case 'exit': {
      state.quitting = true;
      state.login = null;
      send('QUIT', rest || 'salir');
      system(b, 'quitDone');
      return;
    }
    case 'help': {
      system(b, 'help');
      for (const text of t('helpLines')) add(b, { kind: 'system', text });
      return;
    }
    default:
      error(b, t('unknownCommand', verb));
  }
}

function onSubmit(event) {
  event.preventDefault();
  const line = ui.input.value;
  if (!line.trim()) return;
  ui.input.value = '';
  if (line === 'salir') { runCommand('/quit salir'); return; }
  if (line.startsWith('/') && !line.startsWith('//')) {
    runCommand(line);
    return;
  }
  const text = line.startsWith('//') ? line.slice(1) : line;
  const b = activeBuffer();
  sendText(b.kind === 'server' ? null : b.name, text, false);
}

function onLogin(event) {
  event.preventDefault();
  const nick = ui.nick.value.trim();
  if (!nick) {
    ui.loginError.textContent = t('noAlias');
    ui.nick.focus();
    return;
  }
  ui.loginError.textContent = '';
  state.login = {
    nick,
    password: ui.accountFields.hidden ? '' : ui.password.value,
    register: !ui.registerRow.hidden && ui.register.checked,
  };
  state.wasRegistered = false;
  state.quitting = false;
  safeStorage('chat.nick', nick);
  if (state.socket && state.socket.readyState === WebSocket.OPEN && state.capsKnown) maybeRegister();
  else if (!state.socket) connect();
}

function init() {
  buffer(SERVER, 'server');
  applyLanguage();
  ui.nick.value = safeStorage('chat.nick') || '';
  ui.lang.addEventListener('change', () => {
    state.lang = ui.lang.value === 'es' ? 'es' : 'en';
    safeStorage('chat.lang', state.lang);
    applyLanguage();
  });
  ui.loginForm.addEventListener('submit', onLogin);
  ui.sendForm.addEventListener('submit', onSubmit);
  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = ui.joinInput.value.trim();
    if (room) runCommand('/join ' + room);
    ui.joinInput.value = '';
  });
  ui.older.addEventListener('click', requestOlder);
  ui.toggleRooms.addEventListener('click', () => togglePanel(ui.roomsPanel, ui.toggleRooms, ui.usersPanel, ui.toggleUsers));
  ui.toggleUsers.addEventListener('click', () => togglePanel(ui.usersPanel, ui.toggleUsers, ui.roomsPanel, ui.toggleRooms));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closePanels();
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown') && state.registered) {
      // Alt+Up / Alt+Down: previous / next conversation.
      const keys = [...ui.roomList.querySelectorAll('button')].map((b) => b.dataset.key);
      const i = keys.indexOf(state.active);
      const next = keys[(i + (event.key === 'ArrowUp' ? keys.length - 1 : 1)) % keys.length];
      if (next) switchTo(next);
      event.preventDefault();
    }
  });
  showLogin('');
  connect();
}

init();
