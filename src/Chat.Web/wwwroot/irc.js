// IRC message parsing and formatting (IRCv3 message tags), no DOM here.

const TAG_UNESCAPES = { ':': ';', 's': ' ', '\\': '\\', 'r': '\r', 'n': '\n' };

function unescapeTag(value) {
  return value.replace(/\\(.?)/g, (_, c) => (c in TAG_UNESCAPES ? TAG_UNESCAPES[c] : c));
}

/** Parses one line into { tags, source, nick, command, params }, or null. */
export function parse(line) {
  let rest = line.replace(/[\r\n]+$/, '');
  const message = { tags: {}, source: null, nick: null, command: '', params: [] };
  if (rest.startsWith('@')) {
    const space = rest.indexOf(' ');
    if (space < 0) return null;
    for (const pair of rest.slice(1, space).split(';')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      if (eq < 0) message.tags[pair] = '';
      else message.tags[pair.slice(0, eq)] = unescapeTag(pair.slice(eq + 1));
    }
    rest = rest.slice(space + 1).replace(/^ +/, '');
  }
  if (rest.startsWith(':')) {
    const space = rest.indexOf(' ');
    if (space < 0) return null;
    message.source = rest.slice(1, space);
    const bang = message.source.indexOf('!');
    message.nick = bang >= 0 ? message.source.slice(0, bang) : (message.source.includes('.') ? null : message.source);
    rest = rest.slice(space + 1).replace(/^ +/, '');
  }
  while (rest.length > 0) {
    if (rest.startsWith(':')) {
      message.params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(' ');
    if (space < 0) {
      message.params.push(rest);
      break;
    }
    message.params.push(rest.slice(0, space));
    rest = rest.slice(space + 1).replace(/^ +/, '');
  }
  // The first word is the command.
  message.command = (message.params.shift() || '').toUpperCase();
  return message.command ? message : null;
}

/** Formats a command and its parameters; the last one becomes trailing when it needs to. */
export function format(command, ...params) {
  const parts = [command];
  params.forEach((p, i) => {
    const text = String(p).replace(/[\r\n\0]/g, ' ');
    const last = i === params.length - 1;
    if (last && (text === '' || text.includes(' ') || text.startsWith(':'))) parts.push(':' + text);
    else parts.push(text);
  });
  return parts.join(' ');
}

/** IRC casemapping (rfc1459): lower case, with []\~ as {}|^. */
export function fold(name) {
  return name.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ '[': '{', ']': '}', '\\': '|', '~': '^' }[c]));
}

export function isChannel(name) {
  return /^[#&]/.test(name || '');
}

/** UTF-8 text as base64, for SASL PLAIN. */
export function base64Utf8(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary);
}
