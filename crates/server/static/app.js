// Switchboard's browser code: one ES module, no framework, no build step.
//
// The server renders every page and fragment (askama templates); this module only
// swaps fragments in, talks to the JSON API for writes (replies, comments, the owner,
// attachments, notifications) and reads (library, notifications), follows the
// realtime WebSocket (events; presence and typing both ways), and adds the keyboard.
// Every shortcut lives in SHORTCUTS below: the keyboard handler and the `?` dialog are
// both built from that one array.
//
// Nothing here builds HTML from data: fragments come from the server (escaped there,
// a comment's HTML sanitized there) and text is set with textContent.

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const csrfToken = () => $('meta[name="csrf-token"]')?.content ?? '';
const isMac = /Mac|iPhone|iPad/.test(navigator.userAgent);

/** A server message as a sentence: capital first letter. */
const sentence = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);

function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

const store = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      // Private mode or storage disabled: the choice lasts for this page only.
    }
  },
};

// ---------------------------------------------------------------------------
// Time: the same rules as the server's ui/format.rs, in the reader's time zone.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const pad = (n) => String(n).padStart(2, '0');
const sameDay = (a, b) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
function isYesterday(d, now) {
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  return sameDay(d, y);
}
function monthDay(d, now) {
  const md = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return d.getFullYear() === now.getFullYear() ? md : `${md}, ${d.getFullYear()}`;
}

/** `now`, `3m`, `2h`, `Yesterday`, `Nov 3`, `Nov 3, 2024`. */
export function relativeTime(ts, nowMs = Date.now()) {
  const age = nowMs - ts;
  if (age < MINUTE) return 'now';
  if (age < HOUR) return `${Math.floor(age / MINUTE)}m`;
  if (age < DAY) return `${Math.floor(age / HOUR)}h`;
  const d = new Date(ts);
  const now = new Date(nowMs);
  if (isYesterday(d, now)) return 'Yesterday';
  return monthDay(d, now);
}

/** `10:42`, `Yesterday 10:42`, `Nov 3, 10:42`. */
export function clockTime(ts, nowMs = Date.now()) {
  const d = new Date(ts);
  const now = new Date(nowMs);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (sameDay(d, now)) return hm;
  if (isYesterday(d, now)) return `Yesterday ${hm}`;
  return `${monthDay(d, now)}, ${hm}`;
}

const fullFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** Re-renders every `<time data-ts data-format>` under `root` in local time. */
function localizeTimes(root = document) {
  const now = Date.now();
  for (const el of $$('time[data-ts]', root)) {
    const ts = Number(el.dataset.ts);
    if (!Number.isFinite(ts)) continue;
    const d = new Date(ts);
    const text = {
      rel: () => relativeTime(ts, now),
      clock: () => clockTime(ts, now),
      date: () => dateFormat.format(d),
      full: () => fullFormat.format(d),
    }[el.dataset.format];
    if (text) el.textContent = text();
    el.title = fullFormat.format(d);
  }
}

// ---------------------------------------------------------------------------
// Talking to the server.

/**
 * A JSON API call with the session's CSRF token. Resolves to
 * `{ok, status, data, message}`; `message` is the API's error message on failure.
 */
async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrfToken(), accept: 'application/json' };
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined || form ? body : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, data: null, message: 'Could not reach the server. Check your connection.' };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    // 204 and friends have no body.
  }
  if (res.status === 401 && document.body.dataset.page !== 'login') location.assign('/login');
  const fallback = res.status === 413 ? 'That is too large to send' : `Request failed (${res.status})`;
  const message = data?.error?.message ?? fallback;
  return { ok: res.ok, status: res.status, data, message: sentence(message) };
}

class FragmentError extends Error {
  constructor(status) {
    super(`fragment answered ${status}`);
    this.status = status;
  }
}

/** GET an HTML fragment of `/ui/…`; a lost session goes back to the login page. */
async function fetchFragment(url) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
  } catch {
    throw new FragmentError(0);
  }
  if (res.status === 401) {
    location.assign('/login');
    throw new FragmentError(401);
  }
  if (!res.ok) throw new FragmentError(res.status);
  return res.text();
}

let toastTimer = null;
function toast(message, { error = false } = {}) {
  let el = $('#toast');
  if (!el) {
    el = document.createElement('div');
    el.id = 'toast';
    el.className = 'toast';
    el.setAttribute('role', 'status');
    document.body.append(el);
  }
  el.textContent = message;
  el.classList.toggle('is-error', error);
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 4000);
}

// ---------------------------------------------------------------------------
// Theme (the inline script in <head> applied it before first paint).

const THEME_KEY = 'sb-theme';

function initTheme() {
  const apply = (theme) => {
    document.documentElement.dataset.theme = theme;
  };
  for (const button of $$('[data-test=theme-toggle]')) {
    button.addEventListener('click', () => {
      const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
      apply(next);
      store.set(THEME_KEY, next);
    });
  }
  // Follow the system while the reader has not chosen.
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', (e) => {
    if (!store.get(THEME_KEY)) apply(e.matches ? 'dark' : 'light');
  });
}

async function logout() {
  await api('POST', '/api/v1/auth/logout');
  location.assign('/login');
}

// ---------------------------------------------------------------------------
// Login page.

function initLogin() {
  const form = $('[data-test=login-form]');
  const error = $('[data-test=login-error]');
  const submit = $('[data-test=login-submit]');
  if (!form) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    const email = form.elements.email.value;
    const password = form.elements.password.value;
    let message = null;
    try {
      const res = await fetch('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({ email, password }),
      });
      if (res.ok) {
        location.assign('/');
        return;
      }
      try {
        message = (await res.json())?.error?.message;
      } catch {
        // Not JSON: fall through to the generic message.
      }
      message = sentence(message || `Sign-in failed (${res.status})`);
    } catch {
      message = 'Could not reach the server. Check your connection.';
    }
    error.textContent = message;
    error.hidden = false;
    submit.disabled = false;
    form.elements.password.select();
  });
}

// ---------------------------------------------------------------------------
// Avatars: the same rules as the server's ui/format.rs, for people the page learns
// about live (presence).

/** One or two capital letters: first and last word of a name (`Tier 2` is `T2`). */
export function initials(label) {
  const text = String(label ?? '');
  if (!/\p{Alphabetic}/u.test(text)) return /[0-9]/.test(text) ? '#' : '?';
  const base = text.split('@')[0];
  const words = base.split(/[\s._+-]+/u).filter((w) => /[\p{Alphabetic}\p{N}]/u.test(w));
  const first = (w) => (w.match(/[\p{Alphabetic}\p{N}]/u)?.[0] ?? '').toUpperCase();
  if (words.length === 0) return '?';
  if (words.length === 1) return first(words[0]);
  return first(words[0]) + first(words[words.length - 1]);
}

/** A stable avatar colour (0–7) for an id: Fibonacci hashing, as on the server. */
export function tone(id) {
  let n;
  try {
    n = BigInt(id);
  } catch {
    return 0;
  }
  return Number(BigInt.asUintN(64, n * 0x9e3779b97f4a7c15n) >> 61n);
}

/** The first word of a name, for short sentences ("Ben is typing…"). */
const firstName = (name) => String(name ?? '').trim().split(/\s+/)[0] || 'Someone';

/** "Ben", "Ben and Olga", "Ben, Olga and 2 more". */
export function namesSentence(names) {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} more`;
}

/** An id as the API wants it: digits become a number, anything else stays a string. */
const apiId = (id) => (/^\d+$/.test(String(id)) ? Number(id) : id);

// ---------------------------------------------------------------------------
// Markdown editing in a textarea: pure functions from (text, selection) to a change,
// so the toolbar, shortcuts and Insert menu share one set of rules.

/**
 * What a toolbar button does to `text` with the selection `[start, end)`: returns
 * `{from, to, insert, selectFrom, selectTo}` (replace `from..to` with `insert`, then
 * select the given range of the new text).
 */
export function markdownEdit(kind, text, start, end) {
  const selected = text.slice(start, end);
  const wrap = (before, after, placeholder) => {
    const inner = selected || placeholder;
    return {
      from: start,
      to: end,
      insert: before + inner + after,
      selectFrom: start + before.length,
      selectTo: start + before.length + inner.length,
    };
  };
  switch (kind) {
    case 'bold':
      return wrap('**', '**', 'bold text');
    case 'italic':
      return wrap('_', '_', 'italic text');
    case 'code':
      return selected.includes('\n') ? wrap('```\n', '\n```', '') : wrap('`', '`', 'code');
    case 'link': {
      if (/^https?:\/\/\S+$/.test(selected)) {
        const insert = `[link text](${selected})`;
        return { from: start, to: end, insert, selectFrom: start + 1, selectTo: start + 10 };
      }
      const label = selected || 'link text';
      const insert = `[${label}](https://)`;
      const url = start + label.length + 3;
      return { from: start, to: end, insert, selectFrom: url, selectTo: url + 8 };
    }
    case 'ul':
    case 'ol': {
      // Whole lines: from the start of the first selected line to the end of the last.
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const nextBreak = text.indexOf('\n', end > start && text[end - 1] === '\n' ? end - 1 : end);
      const lineEnd = nextBreak === -1 ? text.length : nextBreak;
      const lines = text.slice(lineStart, lineEnd).split('\n');
      const marker = (i) => (kind === 'ul' ? '- ' : `${i + 1}. `);
      const insert = lines.map((line, i) => marker(i) + line.replace(/^(\s*)([-*+]|\d+\.)\s+/, '$1')).join('\n');
      const caret = lineStart + insert.length;
      const empty = lines.length === 1 && lines[0] === '';
      return {
        from: lineStart,
        to: lineEnd,
        insert,
        selectFrom: empty ? caret : lineStart,
        selectTo: caret,
      };
    }
    default:
      return null;
  }
}

/**
 * The `@query` being typed just before the caret, or null: `@` at the start or after
 * a space or bracket, then up to 30 characters without a line break or another `@`.
 */
export function mentionQuery(text, caret) {
  const before = text.slice(0, caret);
  const m = /(^|[\s(])@([^\s@][^@\n]{0,29})?$/u.exec(before);
  if (!m) return null;
  const query = m[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Does a member named `name` (search text `search`) match what follows an `@`? */
export function mentionMatches(name, search, query) {
  const q = query.toLowerCase();
  if (!q) return true;
  const lower = name.toLowerCase();
  return lower.startsWith(q) || lower.split(/\s+/).some((w) => w.startsWith(q)) || search.split(/\s+/).some((w) => w.startsWith(q));
}

/** The ids of the members whose `@Full Name` appears in a comment. */
export function mentionedIds(text, members) {
  const ids = [];
  for (const m of members) {
    const escaped = m.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(^|[^\\p{L}\\p{N}_])@${escaped}(?![\\p{L}\\p{N}_])`, 'u').test(text)) ids.push(m.id);
  }
  return [...new Set(ids)];
}

/** Markdown for a library item that is not a snippet: a link, or a quote block. */
export function libraryMarkdown(item, text) {
  if (item.kind === 'quote') {
    const body = String(text ?? item.body ?? '').trim();
    const quoted = body.split('\n').map((l) => `> ${l}`.trimEnd()).join('\n');
    return item.title ? `${quoted}\n> — ${item.title}` : quoted;
  }
  let url = item.url || item.attachment_url;
  if (!url && item.attachment_id != null) url = `/api/v1/attachments/${encodeURIComponent(item.attachment_id)}`;
  if (url && url.startsWith('/')) url = location.origin + url;
  const title = String(item.title ?? 'Link').replace(/[[\]]/g, '');
  return url ? `[${title}](${url})` : title;
}

/**
 * Where the caret of a textarea is, relative to the textarea's top-left corner, by
 * laying the text out in an invisible copy with the same metrics.
 */
function caretPoint(area, index) {
  const style = getComputedStyle(area);
  const mirror = document.createElement('div');
  for (const prop of [
    'boxSizing', 'width', 'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft',
    'borderTopWidth', 'borderRightWidth', 'borderBottomWidth', 'borderLeftWidth',
    'fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'letterSpacing', 'lineHeight',
    'textTransform', 'wordSpacing', 'tabSize',
  ]) {
    mirror.style[prop] = style[prop];
  }
  Object.assign(mirror.style, {
    position: 'absolute',
    visibility: 'hidden',
    top: '0',
    left: '-9999px',
    whiteSpace: 'pre-wrap',
    overflowWrap: 'break-word',
  });
  mirror.textContent = area.value.slice(0, index);
  const marker = document.createElement('span');
  marker.textContent = '\u200b';
  mirror.append(marker);
  document.body.append(mirror);
  const point = {
    left: marker.offsetLeft - area.scrollLeft,
    top: marker.offsetTop - area.scrollTop,
    height: parseFloat(style.lineHeight) || 20,
  };
  mirror.remove();
  return point;
}

/**
 * Replaces `from..to` of a textarea with `insert` as if typed (so Undo works where
 * the browser supports it), then selects `selectFrom..selectTo`.
 */
function editTextarea(area, { from, to, insert, selectFrom, selectTo }) {
  area.focus();
  area.setSelectionRange(from, to);
  let done = false;
  try {
    done = document.execCommand('insertText', false, insert);
  } catch {
    done = false;
  }
  if (!done || area.value.slice(from, from + insert.length) !== insert) {
    area.setRangeText(insert, from, to, 'end');
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }
  area.setSelectionRange(selectFrom ?? from + insert.length, selectTo ?? from + insert.length);
}

/** A file size as people read it: `512 B`, `12 KB`, `3.4 MB` (as the server's format.rs). */
export function fileSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit + 1 < units.length) {
    value /= 1024;
    unit += 1;
  }
  const text = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : value.toFixed(0);
  return `${text} ${units[unit]}`;
}

// ---------------------------------------------------------------------------
// Inbox page.

function initInbox() {
  const body = document.body;
  const app = $('#app');
  const list = $('#conversation-list');
  const pane = $('#thread-pane');
  const search = $('[data-test=search]');
  const menu = $('#inbox-menu');
  const switcher = $('[data-test=inbox-switcher]');
  const dialog = $('[data-test=shortcuts]');
  const confirmBox = $('[data-test=confirm-dialog]');

  const page = {
    inboxId: body.dataset.inboxId,
    userId: body.dataset.userId,
    view: body.dataset.view || 'all',
    q: body.dataset.q || '',
    openId: body.dataset.conversationId || null,
    selectedId: null,
  };
  /** Per conversation: `{reply, comment, mode, uploads}` of a composer left unsent. */
  const drafts = new Map();

  // ----- List and selection -----

  const rows = () => $$('[data-test=conversation-row]', list);
  const rowById = (id) => rows().find((r) => r.dataset.id === id) ?? null;

  function select(id, { scroll = true } = {}) {
    page.selectedId = id;
    for (const row of rows()) row.setAttribute('aria-selected', row.dataset.id === id ? 'true' : 'false');
    if (scroll) rowById(id)?.scrollIntoView({ block: 'nearest' });
  }

  function moveSelection(delta) {
    const all = rows();
    if (all.length === 0) return;
    let index = all.findIndex((r) => r.dataset.id === page.selectedId);
    index = index === -1 ? 0 : Math.min(all.length - 1, Math.max(0, index + delta));
    select(all[index].dataset.id);
    const more = $('[data-action=load-more]', list);
    if (more && index >= all.length - 3) loadMore(more);
  }

  function markOpenRow() {
    for (const row of rows()) {
      const open = row.dataset.id === page.openId;
      row.classList.toggle('is-open', open);
      if (open) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    }
  }

  function listParams(extra = {}) {
    const params = new URLSearchParams();
    if (page.view !== 'all') params.set('view', page.view);
    if (page.q) params.set('q', page.q);
    if (page.openId) params.set('c', page.openId);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return params;
  }

  function afterListRender() {
    localizeTimes(list);
    markOpenRow();
    if (page.selectedId) select(page.selectedId, { scroll: false });
  }

  let listSeq = 0;
  async function refreshList() {
    const seq = ++listSeq;
    const limit = Math.min(200, Math.max(50, rows().length));
    let html;
    try {
      html = await fetchFragment(`/ui/inboxes/${page.inboxId}/list?${listParams({ limit })}`);
    } catch {
      return;
    }
    if (seq !== listSeq) return;
    // Keep the row at the top of the viewport where it was (unless at the very top,
    // where a new conversation should simply appear).
    const top = list.getBoundingClientRect().top;
    const anchor = list.scrollTop > 0 ? rows().find((r) => r.getBoundingClientRect().bottom > top) : null;
    const anchorOffset = anchor ? anchor.getBoundingClientRect().top - top : 0;
    const anchorId = anchor?.dataset.id;
    const scroll = list.scrollTop;
    list.innerHTML = html;
    const again = anchorId ? rowById(anchorId) : null;
    list.scrollTop = again ? list.scrollTop + (again.getBoundingClientRect().top - top) - anchorOffset : scroll;
    afterListRender();
  }

  async function loadMore(button) {
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = 'Loading…';
    let html;
    try {
      html = await fetchFragment(`/ui/inboxes/${page.inboxId}/list?${listParams({ cursor: button.dataset.cursor })}`);
    } catch {
      button.disabled = false;
      button.textContent = 'Load more';
      return;
    }
    listSeq++; // an older refresh must not drop the rows just added
    button.closest('.load-more')?.remove();
    list.insertAdjacentHTML('beforeend', html);
    const seen = new Set();
    for (const row of rows()) {
      if (seen.has(row.dataset.id)) row.remove();
      else seen.add(row.dataset.id);
    }
    afterListRender();
  }

  async function refreshCounts() {
    let counts;
    try {
      const res = await fetch(`/ui/inboxes/${page.inboxId}/counts`, { credentials: 'same-origin' });
      if (!res.ok) return;
      counts = await res.json();
    } catch {
      return;
    }
    const byView = { all: counts.open, mine: counts.mine, unassigned: counts.unassigned, closed: counts.closed };
    for (const [view, n] of Object.entries(byView)) {
      const el = $(`.view-link[data-view="${view}"] .count`);
      if (el && Number.isFinite(n)) el.textContent = String(n);
    }
  }

  // ----- Thread -----

  const composer = () => $('[data-region=composer]', pane);
  const replyBox = () => $('[data-test=reply-body]', pane);
  const commentBox = () => $('[data-test=comment-body]', pane);
  const mode = () => composer()?.dataset.mode ?? 'reply';
  const activeBox = () => (mode() === 'comment' ? commentBox() : replyBox());

  function saveDraft() {
    const form = composer();
    if (!page.openId || !form) return;
    const draft = {
      reply: replyBox()?.value ?? '',
      comment: commentBox()?.value ?? '',
      mode: mode(),
      uploads: uploads.filter((u) => u.status !== 'error'),
    };
    if (draft.reply || draft.comment || draft.uploads.length || draft.mode !== 'reply') drafts.set(page.openId, draft);
    else drafts.delete(page.openId);
  }

  function restoreDraft() {
    const draft = drafts.get(page.openId);
    const reply = replyBox();
    const comment = commentBox();
    if (reply) reply.value = draft?.reply ?? '';
    if (comment) comment.value = draft?.comment ?? '';
    uploads = draft?.uploads ?? [];
    setMode(draft?.mode ?? 'reply', { focus: false });
    renderChips();
  }

  function autosize(box) {
    if (!box || box.offsetParent === null) return;
    box.style.height = 'auto';
    box.style.height = `${Math.min(box.scrollHeight + 2, Math.round(window.innerHeight * 0.4))}px`;
  }

  function afterThreadRender() {
    localizeTimes(pane);
    for (const kbd of $$('kbd[data-mod]', pane)) kbd.textContent = isMac ? '⌘' : 'Ctrl';
    highlightMentions(pane);
    mail.restore(pane);
    presence.render();
  }

  /** Wraps `@Full Name` of each mentioned user in a comment's text in a highlight. */
  function highlightMentions(root) {
    for (const bodyEl of $$('.entry [data-mentions]', root)) {
      let names;
      try {
        names = JSON.parse(bodyEl.dataset.mentions || '[]');
      } catch {
        continue;
      }
      names = names.filter((n) => typeof n === 'string' && n.trim()).sort((a, b) => b.length - a.length);
      if (names.length === 0 || bodyEl.dataset.highlighted) continue;
      bodyEl.dataset.highlighted = 'true';
      const pattern = new RegExp(`@(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'gu');
      const walker = document.createTreeWalker(bodyEl, NodeFilter.SHOW_TEXT);
      const texts = [];
      while (walker.nextNode()) {
        if (!walker.currentNode.parentElement.closest('code, pre, a, .mention')) texts.push(walker.currentNode);
      }
      for (const node of texts) {
        const text = node.nodeValue;
        pattern.lastIndex = 0;
        if (!pattern.test(text)) continue;
        pattern.lastIndex = 0;
        const parts = [];
        let last = 0;
        for (const m of text.matchAll(pattern)) {
          if (m.index > last) parts.push(document.createTextNode(text.slice(last, m.index)));
          const span = document.createElement('span');
          span.className = 'mention';
          span.dataset.test = 'mention';
          span.textContent = m[0];
          parts.push(span);
          last = m.index + m[0].length;
        }
        if (last < text.length) parts.push(document.createTextNode(text.slice(last)));
        node.replaceWith(...parts);
      }
    }
  }

  function scrollTimelineToEnd() {
    const timeline = $('.timeline', pane);
    if (timeline) timeline.scrollTop = timeline.scrollHeight;
  }

  /** Scrolls the timeline to `#entry-{id}` and flashes it; false when not there. */
  function revealEntry(hash) {
    if (!/^#entry-[\w-]+$/.test(hash ?? '')) return false;
    const entry = pane.querySelector(hash);
    if (!entry) return false;
    entry.scrollIntoView({ block: 'center' });
    entry.classList.remove('is-highlighted');
    void entry.offsetWidth; // restart the animation
    entry.classList.add('is-highlighted');
    setTimeout(() => entry.classList.remove('is-highlighted'), 2600);
    return true;
  }

  /** Points the links that carry `c` (views, search) at the open conversation. */
  function syncLinks() {
    for (const link of $$('.view-link')) {
      const url = new URL(link.href, location.href);
      if (page.openId) url.searchParams.set('c', page.openId);
      else url.searchParams.delete('c');
      link.href = url.pathname + url.search;
    }
    const form = search?.form;
    if (form) {
      let hidden = form.elements.c;
      if (page.openId && !hidden) {
        hidden = document.createElement('input');
        hidden.type = 'hidden';
        hidden.name = 'c';
        form.prepend(hidden);
      }
      if (hidden) {
        if (page.openId) hidden.value = page.openId;
        else hidden.remove();
      }
    }
  }

  function urlWith(c, hash = '') {
    const url = new URL(location.href);
    if (c) url.searchParams.set('c', c);
    else url.searchParams.delete('c');
    return url.pathname + url.search + hash;
  }

  function setOpen(id) {
    const previous = page.openId;
    if (previous && previous !== id) presence.leave(previous);
    page.openId = id;
    if (id) body.dataset.conversationId = id;
    else delete body.dataset.conversationId;
    realtime.follow(previous, id);
    markOpenRow();
    syncLinks();
    if (id && id !== previous) presence.enter();
  }

  let openSeq = 0;
  /** Opens a conversation in the thread pane; `hash` (`#entry-N`) scrolls to an entry. */
  async function openConversation(id, { push = true, hash = '' } = {}) {
    const seq = ++openSeq;
    let html;
    try {
      html = await fetchFragment(`/ui/conversations/${encodeURIComponent(id)}/thread`);
    } catch (err) {
      if (seq !== openSeq) return;
      if (err.status === 404) toast('That conversation is no longer visible to you.', { error: true });
      else if (err.status !== 401) toast('Could not open the conversation. Try again.', { error: true });
      return;
    }
    if (seq !== openSeq) return;
    saveDraft();
    pane.innerHTML = html;
    setOpen(id);
    afterThreadRender();
    restoreDraft();
    if (!revealEntry(hash)) scrollTimelineToEnd();
    if (push && (new URL(location.href).searchParams.get('c') !== id || location.hash !== hash)) {
      history.pushState({ c: id }, '', urlWith(id, hash));
    }
  }

  function closeThread() {
    saveDraft();
    const empty = $('#thread-empty-template');
    pane.replaceChildren(empty ? empty.content.cloneNode(true) : '');
    setOpen(null);
  }

  let threadSeq = 0;
  /**
   * Re-renders the open thread in place, keeping the composer (its text, focus, caret,
   * uploads) and an open Owner menu.
   */
  async function refreshThread() {
    const id = page.openId;
    if (!id) return;
    const seq = ++threadSeq;
    let html;
    try {
      html = await fetchFragment(`/ui/conversations/${encodeURIComponent(id)}/thread`);
    } catch (err) {
      if (err.status === 404 && id === page.openId && !movedAway.has(id)) {
        toast('This conversation is no longer visible to you.', { error: true });
      }
      return;
    }
    if (seq !== threadSeq || id !== page.openId) return;
    const next = document.createElement('template');
    next.innerHTML = html;
    const nextThread = $('[data-test=thread]', next.content);
    if (nextThread && nextThread.dataset.inboxId !== page.inboxId) {
      // Someone moved it to another inbox (one this reader sees too): it left this list.
      if (moving.isOpen()) return; // the dialog explains itself when its move fails
      closeThread();
      history.replaceState(history.state, '', urlWith(null));
      toast(`This conversation moved to ${nextThread.dataset.inboxName || 'another inbox'}`);
      scheduleListRefresh();
      return;
    }
    const timeline = $('.timeline', pane);
    const atEnd = !timeline || timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 64;
    const keptTop = timeline?.scrollTop ?? 0;
    const owner = owners.snapshot();
    const moreOpen = more.isOpen();
    const moreFocused = moreOpen && $('[data-test=more-menu]', pane)?.contains(document.activeElement);
    // An open ticket form survives the refresh as it is (text, focus, caret).
    const keptTickets = tickets.isOpen() ? $('[data-region=tickets]', pane) : null;
    const active = document.activeElement;
    const caret = active && 'selectionStart' in active ? [active.selectionStart, active.selectionEnd] : null;
    const contactTop = $('.contact-panel', pane)?.scrollTop ?? 0;
    const regions = ['head', 'timeline', 'contact'];
    const swappable = regions.every((r) => $(`[data-region=${r}]`, pane) && $(`[data-region=${r}]`, next.content));
    if (!swappable || !composer()) {
      saveDraft();
      pane.innerHTML = html;
      restoreDraft();
    } else {
      for (const r of regions) $(`[data-region=${r}]`, pane).replaceWith($(`[data-region=${r}]`, next.content));
      const root = $('[data-test=thread]', pane);
      const nextRoot = $('[data-test=thread]', next.content);
      if (root && nextRoot) root.dataset.status = nextRoot.dataset.status;
      if (keptTickets) $('[data-region=tickets]', pane)?.replaceWith(keptTickets);
    }
    const contact = $('.contact-panel', pane);
    if (contact) contact.scrollTop = contactTop;
    if (keptTickets?.isConnected && keptTickets.contains(active)) {
      active.focus({ preventScroll: true });
      if (caret) active.setSelectionRange?.(caret[0], caret[1]);
    }
    afterThreadRender();
    owners.restore(owner);
    if (moreOpen) more.open({ focus: moreFocused });
    const fresh = $('.timeline', pane);
    if (fresh) fresh.scrollTop = atEnd ? fresh.scrollHeight : keptTop;
  }

  // ----- Composer: Reply and Comment tabs -----

  /** Switches the composer between `reply` and `comment`; focuses the box if asked. */
  function setMode(next, { focus = true } = {}) {
    const form = composer();
    if (!form) return;
    form.dataset.mode = next;
    for (const tab of $$('[role=tab][data-mode]', form)) {
      tab.setAttribute('aria-selected', String(tab.dataset.mode === next));
      tab.tabIndex = tab.dataset.mode === next ? 0 : -1;
    }
    mentions.close();
    insert.close();
    const box = activeBox();
    autosize(box);
    if (focus && box) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
    presence.update();
    presence.render();
  }

  function showError(form, which, message) {
    const error = $(`[data-test=${which}-error]`, form);
    if (!error) return;
    error.textContent = message;
    error.hidden = !message;
  }

  async function sendReply(form) {
    const box = replyBox();
    const button = $('[data-test=reply-send]', form);
    const id = page.openId;
    if (!id || !box || button.disabled) return;
    button.disabled = true;
    showError(form, 'reply', '');
    const res = await api('POST', `/api/v1/conversations/${encodeURIComponent(id)}/replies`, { body: box.value });
    button.disabled = false;
    if (!res.ok) {
      showError(form, 'reply', res.message);
      box.focus();
      return;
    }
    if (id !== page.openId) return;
    box.value = '';
    autosize(box);
    drafts.delete(id);
    presence.stopTyping();
    presence.update();
    await refreshThread();
    scrollTimelineToEnd();
    scheduleListRefresh();
  }

  /** The inbox's people as the mention menu lists them: `{id, name}`. */
  const members = () =>
    $$('[data-test=mention-option]', pane).map((o) => ({ id: apiId(o.dataset.id), name: o.dataset.name }));

  async function sendComment(form) {
    const box = commentBox();
    const button = $('[data-test=comment-send]', form);
    const id = page.openId;
    if (!id || !box || button.disabled) return;
    showError(form, 'comment', '');
    if (uploads.some((u) => u.status === 'uploading')) {
      showError(form, 'comment', 'Wait for the attachments to finish uploading');
      return;
    }
    const attachments = uploads.filter((u) => u.status === 'done');
    if (!box.value.trim() && attachments.length === 0) {
      showError(form, 'comment', 'Write a comment first');
      box.focus();
      return;
    }
    button.disabled = true;
    const res = await api('POST', `/api/v1/conversations/${encodeURIComponent(id)}/comments`, {
      body: box.value,
      mention_user_ids: mentionedIds(box.value, members()),
      attachment_ids: attachments.map((u) => u.id),
    });
    button.disabled = false;
    if (!res.ok) {
      showError(form, 'comment', res.message);
      box.focus();
      return;
    }
    if (id !== page.openId) return;
    box.value = '';
    autosize(box);
    uploads = [];
    renderChips();
    drafts.delete(id);
    presence.stopTyping();
    presence.update();
    await refreshThread();
    scrollTimelineToEnd();
    scheduleListRefresh();
  }

  // ----- Composer: formatting, mentions, attachments -----

  function format(kind) {
    const box = commentBox();
    if (!box || mode() !== 'comment') return;
    const change = markdownEdit(kind, box.value, box.selectionStart, box.selectionEnd);
    if (change) editTextarea(box, change);
  }

  /** The `@` autocomplete of the comment box. */
  const mentions = (() => {
    let at = null; // {start, query} of the `@query` being completed
    const menuEl = () => $('[data-test=mention-menu]', pane);
    const visible = () => $$('[data-test=mention-option]', menuEl() ?? pane).filter((o) => !o.hidden);
    const isOpen = () => Boolean(menuEl() && !menuEl().hidden);

    function close() {
      at = null;
      const el = menuEl();
      if (el) el.hidden = true;
      commentBox()?.removeAttribute('aria-activedescendant');
    }

    function setActive(option) {
      for (const o of visible()) o.classList.toggle('is-active', o === option);
      if (option) {
        commentBox()?.setAttribute('aria-activedescendant', option.id);
        option.scrollIntoView({ block: 'nearest' });
      }
    }

    function place(box, el) {
      const editor = box.parentElement;
      const point = caretPoint(box, at.start);
      const left = Math.max(8, Math.min(box.offsetLeft + point.left - 8, editor.clientWidth - el.offsetWidth - 8));
      el.style.left = `${left}px`;
      el.style.bottom = `${editor.clientHeight - (box.offsetTop + point.top) + 6}px`;
    }

    function update() {
      const box = commentBox();
      const el = menuEl();
      if (!box || !el || document.activeElement !== box || box.selectionStart !== box.selectionEnd) {
        close();
        return;
      }
      at = mentionQuery(box.value, box.selectionStart);
      if (!at) {
        close();
        return;
      }
      const options = $$('[data-test=mention-option]', el);
      let shown = 0;
      for (const o of options) {
        o.hidden = !mentionMatches(o.dataset.name, o.dataset.search ?? '', at.query);
        if (!o.hidden) shown++;
      }
      if (shown === 0 && at.query.includes(' ')) {
        close(); // "@Ben said" is prose once nothing matches any more
        return;
      }
      $('.menu-empty', el).hidden = shown > 0;
      el.hidden = false;
      place(box, el);
      const active = visible().find((o) => o.classList.contains('is-active'));
      setActive(active ?? visible()[0] ?? null);
    }

    function pick(option) {
      const box = commentBox();
      if (!box || !at || !option) return;
      const text = `@${option.dataset.name} `;
      const change = { from: at.start, to: box.selectionStart, insert: text };
      close();
      editTextarea(box, change);
    }

    /** Keys while the menu is open; true when the key was used. */
    function key(e) {
      if (!isOpen() || e.ctrlKey || e.metaKey || e.altKey) return false;
      const options = visible();
      const index = options.findIndex((o) => o.classList.contains('is-active'));
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (options.length === 0) return true;
        const step = e.key === 'ArrowDown' ? 1 : options.length - 1;
        setActive(options[(index + step) % options.length]);
        return true;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        if (index === -1) return false;
        pick(options[index]);
        return true;
      }
      if (e.key === 'Escape') {
        close();
        return true;
      }
      return false;
    }

    return { update, close, pick, key, isOpen };
  })();

  /** Files attached to the comment being written: `{key, id, filename, size, status, error}`. */
  let uploads = [];
  let uploadSeq = 0;

  function renderChips() {
    const box = $('[data-test=comment-attachments]', pane);
    if (!box) return;
    box.replaceChildren(
      ...uploads.map((u) => {
        const chip = document.createElement('span');
        chip.className = `chip is-${u.status}`;
        chip.dataset.test = 'attachment-chip';
        chip.dataset.key = String(u.key);
        if (u.error) chip.title = u.error;
        const icon = document.createElement('span');
        icon.className = u.status === 'uploading' ? 'spinner spinner-dark' : 'chip-icon';
        icon.setAttribute('aria-hidden', 'true');
        const name = document.createElement('span');
        name.className = 'chip-name';
        name.textContent = u.filename;
        const meta = document.createElement('span');
        meta.className = 'chip-meta';
        meta.textContent = u.status === 'uploading' ? 'Uploading…' : u.status === 'error' ? 'Failed' : fileSize(u.size);
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'chip-remove';
        remove.dataset.test = 'attachment-remove';
        remove.dataset.key = String(u.key);
        remove.setAttribute('aria-label', `Remove ${u.filename}`);
        remove.title = 'Remove';
        remove.textContent = '×';
        chip.append(icon, name, meta, remove);
        return chip;
      }),
    );
    box.hidden = uploads.length === 0;
  }

  async function upload(files) {
    const form = composer();
    if (!form || files.length === 0) return;
    if (mode() !== 'comment') setMode('comment');
    showError(form, 'comment', '');
    const mine = uploads;
    await Promise.all(
      [...files].map(async (file) => {
        const u = { key: ++uploadSeq, filename: file.name || 'file', size: file.size, status: 'uploading' };
        mine.push(u);
        renderChips();
        const data = new FormData();
        data.append('file', file, file.name);
        const res = await api('POST', '/api/v1/attachments', data);
        if (res.ok && res.data?.id != null) {
          Object.assign(u, {
            id: res.data.id,
            filename: res.data.filename ?? u.filename,
            size: res.data.size ?? u.size,
            status: 'done',
          });
        } else {
          Object.assign(u, { status: 'error', error: res.message });
          if (mine === uploads) showError(form, 'comment', `${u.filename}: ${res.message}`);
        }
        if (mine === uploads) renderChips();
      }),
    );
  }

  function removeUpload(key) {
    uploads = uploads.filter((u) => String(u.key) !== key);
    renderChips();
    commentBox()?.focus();
  }

  // ----- Composer: the Insert menu (library) -----

  const KIND_LABELS = {
    snippet: 'Snippet',
    document: 'Document',
    meeting_link: 'Meeting link',
    kb_article: 'Knowledge base',
    quote: 'Quote',
    video: 'Video',
  };

  const insert = (() => {
    let kind = '';
    let seq = 0;
    let items = [];
    let pending = false; // a search is scheduled or on its way
    let pickWhenLoaded = false; // Enter came before the results
    const panel = () => $('[data-test=insert-options]', pane);
    const button = () => $('[data-test=insert-menu]', pane);
    const isOpen = () => Boolean(panel() && !panel().hidden);
    const options = () => $$('[data-test=insert-option]', panel() ?? pane);

    function open() {
      const el = panel();
      if (!el) return;
      owners.close();
      mentions.close();
      el.hidden = false;
      button()?.setAttribute('aria-expanded', 'true');
      const input = $('[data-test=insert-search]', el);
      input.value = '';
      input.focus();
      items = [];
      render();
      setKind('');
    }

    function close({ refocus = false } = {}) {
      const el = panel();
      if (!el || el.hidden) return;
      el.hidden = true;
      button()?.setAttribute('aria-expanded', 'false');
      if (refocus) activeBox()?.focus();
    }

    function setKind(next) {
      kind = next;
      for (const tab of $$('[data-test=insert-kind]', panel())) {
        tab.setAttribute('aria-selected', String(tab.dataset.kind === kind));
      }
      load();
      $('[data-test=insert-search]', panel())?.focus();
    }

    function status(text) {
      const el = $('.insert-status', panel());
      if (!el) return;
      el.textContent = text;
      el.hidden = !text;
    }

    function describe(item) {
      if (item.body) return item.body.replace(/\s+/g, ' ').trim();
      if (item.url) {
        try {
          const u = new URL(item.url, location.href);
          return u.host + u.pathname.replace(/\/$/, '');
        } catch {
          return item.url;
        }
      }
      return KIND_LABELS[item.kind] ?? '';
    }

    function render() {
      const results = $('.insert-results', panel());
      if (!results) return;
      results.replaceChildren(
        ...items.map((item, i) => {
          const option = document.createElement('button');
          option.type = 'button';
          option.className = 'menu-item option insert-item';
          option.id = `insert-option-${i}`;
          option.tabIndex = -1;
          option.setAttribute('role', 'option');
          option.dataset.test = 'insert-option';
          option.dataset.index = String(i);
          option.dataset.kind = item.kind;
          const badge = document.createElement('span');
          badge.className = `kind-badge kind-${item.kind}`;
          badge.setAttribute('aria-hidden', 'true');
          const main = document.createElement('span');
          main.className = 'insert-main';
          const title = document.createElement('span');
          title.className = 'insert-title';
          title.textContent = item.title ?? '(untitled)';
          const sub = document.createElement('span');
          sub.className = 'insert-sub';
          sub.textContent = describe(item);
          main.append(title, sub);
          const label = document.createElement('span');
          label.className = 'menu-item-meta';
          label.textContent = KIND_LABELS[item.kind] ?? item.kind;
          option.append(badge, main, label);
          return option;
        }),
      );
      setActive(options()[0] ?? null);
    }

    function setActive(option) {
      for (const o of options()) o.classList.toggle('is-active', o === option);
      option?.scrollIntoView({ block: 'nearest' });
    }

    const search = debounce(async () => {
      const el = panel();
      if (!el || el.hidden) {
        pending = false;
        return;
      }
      const mine = ++seq;
      const q = $('[data-test=insert-search]', el).value.trim();
      const params = new URLSearchParams();
      if (kind) params.set('kind', kind);
      if (q) params.set('q', q);
      status('Searching…');
      const res = await api('GET', `/api/v1/library?${params}`);
      if (mine !== seq) return;
      pending = false;
      if (!res.ok) {
        items = [];
        render();
        status(res.status === 404 ? 'The library is not available on this server yet.' : res.message);
        return;
      }
      items = (res.data?.items ?? []).slice(0, 50);
      render();
      if (items.length > 0) status('');
      else if (q) status(`Nothing in the library matches “${q}”.`);
      else status(kind ? `No ${KIND_LABELS[kind].toLowerCase()} items yet.` : 'The library is empty. Admins and agents add items through the API.');
      if (pickWhenLoaded) {
        pickWhenLoaded = false;
        const first = options()[0];
        if (first) pick(first);
      }
    }, 120);

    /** Searches again with the current kind and text (debounced). */
    function load() {
      pending = true;
      pickWhenLoaded = false;
      search();
    }

    async function pick(option) {
      const item = items[Number(option?.dataset.index)];
      const box = activeBox();
      if (!item || !box) return;
      let text;
      if (item.kind === 'snippet' || item.kind === 'quote') {
        const q = page.openId ? `?conversation_id=${encodeURIComponent(page.openId)}` : '';
        const res = await api('GET', `/api/v1/library/${encodeURIComponent(item.id)}${q}`);
        const filled = res.ok ? res.data?.rendered ?? res.data?.body : null;
        if (!res.ok && res.status !== 404) {
          status(res.message);
          return;
        }
        text = item.kind === 'snippet' ? filled ?? item.body ?? '' : libraryMarkdown(item, filled ?? item.body);
      } else {
        text = libraryMarkdown(item);
      }
      close();
      const start = box.selectionStart;
      const end = box.selectionEnd;
      const block = item.kind === 'quote';
      const before = block && start > 0 && box.value[start - 1] !== '\n' ? '\n\n' : '';
      const after = block && box.value[end] !== undefined && box.value[end] !== '\n' ? '\n\n' : '';
      editTextarea(box, { from: start, to: end, insert: before + text + after });
      autosize(box);
    }

    function key(e) {
      const list = options();
      const index = list.findIndex((o) => o.classList.contains('is-active'));
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (list.length) setActive(list[(index + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length]);
        return true;
      }
      if (e.key === 'Enter') {
        if (pending) pickWhenLoaded = true;
        else if (index !== -1) pick(list[index]);
        return true;
      }
      if (e.key === 'Escape') {
        close({ refocus: true });
        return true;
      }
      return false;
    }

    return { open, close, isOpen, setKind, load, pick, key };
  })();

  // ----- Owner menu -----

  const owners = (() => {
    const button = () => $('[data-test=owner-menu]', pane);
    const menuEl = () => $('[data-test=owner-options]', pane);
    const input = () => $('[data-test=owner-filter]', pane);
    const options = () => $$('[data-test=owner-option]', menuEl() ?? pane);
    const visible = () => options().filter((o) => !o.hidden);
    const isOpen = () => Boolean(menuEl() && !menuEl().hidden);

    function filter(text) {
      const q = text.trim().toLowerCase();
      const el = menuEl();
      for (const o of options()) o.hidden = Boolean(q) && !o.dataset.search.includes(q);
      for (const label of $$('[data-group]', el)) {
        label.hidden = !options().some((o) => o.dataset.type === label.dataset.group && !o.hidden);
      }
      $('.menu-empty', el).hidden = visible().length > 0;
      const active = visible().find((o) => o.classList.contains('is-active'));
      setActive(active ?? visible()[0] ?? null);
    }

    function setActive(option) {
      for (const o of options()) o.classList.toggle('is-active', o === option);
      if (option) {
        input()?.setAttribute('aria-activedescendant', option.id);
        option.scrollIntoView({ block: 'nearest' });
      } else {
        input()?.removeAttribute('aria-activedescendant');
      }
    }

    function open({ query = '', focus = true } = {}) {
      const el = menuEl();
      if (!el) return false;
      insert.close();
      setMenu(false, { focus: false });
      notifications.close();
      el.hidden = false;
      button()?.setAttribute('aria-expanded', 'true');
      const field = input();
      field.value = query;
      setActive(options().find((o) => o.getAttribute('aria-selected') === 'true') ?? null);
      filter(query);
      if (focus) field.focus();
      return true;
    }

    function close({ refocus = false } = {}) {
      const el = menuEl();
      if (!el || el.hidden) return;
      el.hidden = true;
      button()?.setAttribute('aria-expanded', 'false');
      if (refocus) button()?.focus();
    }

    /** The open menu's filter and focus, to carry across a re-render of the header. */
    function snapshot() {
      if (!isOpen()) return null;
      return { query: input().value, focused: document.activeElement === input() };
    }

    function restore(state) {
      if (state) open({ query: state.query, focus: state.focused });
    }

    /** Shows the choice in the header at once; the server's answer then confirms it. */
    function showOwner(option) {
      const btn = button();
      if (!btn) return;
      const avatar = $('.avatar', option)?.cloneNode(true);
      $('.availability-dot', avatar ?? btn)?.remove();
      if (avatar) $('.avatar', btn)?.replaceWith(avatar);
      const name = $('.owner-name', btn);
      name.textContent = option.dataset.type === 'none' ? 'Unassigned' : option.dataset.name;
      name.classList.toggle('is-nobody', option.dataset.type === 'none');
    }

    /** The name of what the API answered as the assignee, from the menu's options. */
    function nameOf(assignee) {
      if (!assignee) return 'nobody';
      const o = options().find((x) => x.dataset.type === assignee.type && x.dataset.id === String(assignee.id));
      return o?.dataset.name ?? (assignee.type === 'team' ? 'a team' : 'a teammate');
    }

    async function pick(option) {
      const id = page.openId;
      if (!option || !id) return;
      close({ refocus: true });
      if (option.getAttribute('aria-selected') === 'true') return;
      const type = option.dataset.type;
      const body = type === 'user' ? { user_id: apiId(option.dataset.id) } : type === 'team' ? { team_id: apiId(option.dataset.id) } : {};
      showOwner(option);
      const res = await api('PUT', `/api/v1/conversations/${encodeURIComponent(id)}/assignee`, body);
      if (!res.ok) {
        toast(res.message, { error: true });
      } else {
        const got = res.data?.assignee ?? null;
        const wanted = type === 'none' ? null : { type, id: option.dataset.id };
        if (!got) toast('Conversation unassigned');
        else if (wanted && got.type !== wanted.type) toast(`${option.dataset.name} round-robin: assigned to ${nameOf(got)}`);
        else toast(`Assigned to ${nameOf(got)}`);
      }
      if (id !== page.openId) return;
      await refreshThread();
      refreshList();
      refreshCounts();
    }

    function key(e) {
      const list = visible();
      const index = list.findIndex((o) => o.classList.contains('is-active'));
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (list.length) setActive(list[(index + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length]);
        return true;
      }
      if (e.key === 'Enter') {
        if (index !== -1) pick(list[index]);
        return true;
      }
      if (e.key === 'Escape') {
        close({ refocus: true });
        return true;
      }
      if (e.key === 'Tab') close();
      return false;
    }

    return { open, close, isOpen, filter, pick, key, snapshot, restore, setActive, button };
  })();

  // ----- More actions (…) menu -----

  const more = (() => {
    const button = () => $('[data-test=more-actions]', pane);
    const menuEl = () => $('[data-test=more-menu]', pane);
    const items = () => $$('[role=menuitem]', menuEl() ?? pane);
    const isOpen = () => Boolean(menuEl() && !menuEl().hidden);

    function open({ focus = true } = {}) {
      const el = menuEl();
      if (!el) return false;
      owners.close();
      insert.close();
      notifications.close();
      setMenu(false, { focus: false });
      el.hidden = false;
      button()?.setAttribute('aria-expanded', 'true');
      if (focus) items()[0]?.focus();
      return true;
    }

    function close({ refocus = false } = {}) {
      const el = menuEl();
      if (!el || el.hidden) return;
      el.hidden = true;
      button()?.setAttribute('aria-expanded', 'false');
      if (refocus) button()?.focus();
    }

    /** A disabled item (a plan feature) explains itself instead of doing anything. */
    function explain(item) {
      const hint = document.getElementById(item.getAttribute('aria-describedby') ?? '');
      if (!hint) return;
      hint.classList.remove('is-flashing');
      void hint.offsetWidth; // restart the animation
      hint.classList.add('is-flashing');
    }

    function activate(item) {
      if (!item) return;
      if (item.getAttribute('aria-disabled') === 'true') {
        explain(item);
        return;
      }
      close();
      if (item.matches('[data-test=move-item]')) moving.open();
    }

    function key(e) {
      const list = items();
      const index = list.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (list.length) list[(index + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length].focus();
        return true;
      }
      if (e.key === 'Escape') {
        close({ refocus: true });
        return true;
      }
      if (e.key === 'Tab') close();
      return false;
    }

    return { open, close, isOpen, activate, key };
  })();

  // ----- Move to another inbox (the dialog) -----

  /** Tab and Shift+Tab stay inside the modal dialog `d`; true when it moved focus. */
  function trapTab(d, e) {
    if (e.key !== 'Tab' || !d) return false;
    const focusable = $$('button, input, select, textarea', d).filter(
      (el) => !el.disabled && el.offsetParent !== null && !(el.type === 'radio' && !el.checked),
    );
    if (focusable.length === 0) return false;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      last.focus();
      return true;
    }
    if (!e.shiftKey && document.activeElement === last) {
      first.focus();
      return true;
    }
    return false;
  }

  /**
   * What every modal dialog of the pane shares: `returnFocus` gets focus back when it
   * closes (Cancel, Esc, ×), and while `busy` (a request on its way) it stays open.
   */
  function modalDialog(dialogEl) {
    const modal = {
      busy: false,
      returnFocus: null,
      close() {
        const d = dialogEl();
        if (!d?.open || modal.busy) return;
        d.close();
      },
      closed() {
        const back = modal.returnFocus;
        modal.returnFocus = null;
        if (back?.isConnected) back.focus();
      },
      cancel(e) {
        if (modal.busy) e.preventDefault();
      },
    };
    return modal;
  }

  /** Closes every menu and popover before a modal dialog opens. */
  function closePopovers() {
    more.close();
    owners.close();
    insert.close();
    mentions.close();
    notifications.close();
    setMenu(false, { focus: false });
  }

  const moving = (() => {
    const dialogEl = () => $('[data-test=move-dialog]', pane);
    const modal = modalDialog(dialogEl);
    /** The conversation the dialog was opened for (a move runs on it even if the pane changes). */
    let subject = null;

    const field = (test) => $(`[data-test=${test}]`, dialogEl());
    const assignMode = () => $('input[name=assign]:checked', dialogEl())?.value ?? 'specific';
    const fallbackMode = () => $('input[name=fallback]:checked', dialogEl())?.value ?? 'unassigned';
    const options = () => $$('[data-test=move-option]', dialogEl());
    const ticked = () => options().filter((o) => o.checked && !o.disabled);
    const isOpen = () => Boolean(dialogEl()?.open);

    /** Where the people-and-teams list shows now: under "Specific", under the fallback, or nowhere. */
    function pickerSlot() {
      if (assignMode() === 'specific') return 'specific';
      if (assignMode() === 'contact_owner' && fallbackMode() === 'specific') return 'fallback';
      return null;
    }

    const sees = (inboxes, id) => inboxes === '*' || (inboxes ?? '').split(' ').includes(id);

    /** Brings every dependent part of the dialog in line with its inputs. */
    function sync() {
      const d = dialogEl();
      if (!d) return;
      const select = field('move-inbox');
      const target = select.value;
      const targetName = target ? select.selectedOptions[0]?.textContent.trim() : '';
      field('move-fallback').hidden = assignMode() !== 'contact_owner';
      const picker = field('move-picker');
      const slot = pickerSlot();
      for (const host of $$('.picker-slot', d)) host.hidden = host.dataset.slot !== slot;
      if (slot) {
        const host = $(`.picker-slot[data-slot=${slot}]`, d);
        if (picker.parentElement !== host) host.append(picker);
      }
      picker.hidden = !slot;
      for (const card of $$('.radio-card', d)) card.classList.toggle('is-checked', Boolean($('input:checked', card)));
      // Whom the chosen inbox would refuse: its non-members cannot be assigned there.
      for (const option of options()) {
        const row = option.closest('.pick');
        const allowed = !target || sees(row.dataset.inboxes, target);
        option.disabled = !allowed;
        if (!allowed) option.checked = false;
        row.classList.toggle('no-access', !allowed);
        const meta = $('.pick-meta', row);
        meta.textContent = allowed ? meta.dataset.meta : `No access to ${targetName}`;
      }
      const access = field('move-owner-access');
      if (access) {
        const blind = Boolean(target) && !sees(access.dataset.inboxes, target);
        access.textContent = blind ? `· can't see ${targetName}` : '';
        access.hidden = !blind;
      }
      const count = ticked().length;
      field('move-selected-count').textContent = count ? `${count} selected` : '';
      const needsPick = slot !== null;
      field('move-submit').disabled = modal.busy || !target || (needsPick && count === 0);
    }

    function filter(text) {
      const q = text.trim().toLowerCase();
      const d = dialogEl();
      const rows = $$('.pick', d);
      for (const row of rows) row.hidden = Boolean(q) && !row.dataset.search.includes(q);
      for (const label of $$('.picker-label', d)) {
        label.hidden = !rows.some((r) => r.dataset.kind === label.dataset.group && !r.hidden);
      }
      $('.picker-empty', d).hidden = rows.some((r) => !r.hidden);
    }

    function showError(message) {
      const error = field('move-error');
      error.textContent = message;
      error.hidden = !message;
    }

    function reset() {
      const d = dialogEl();
      field('move-inbox').value = '';
      $('input[name=assign][value=specific]', d).checked = true;
      $('input[name=fallback][value=unassigned]', d).checked = true;
      for (const o of options()) o.checked = false;
      field('move-filter').value = '';
      filter('');
      field('move-comment').value = '';
      showError('');
    }

    /** Opens the dialog; on a plan without moves, the … menu explains why instead. */
    function open() {
      if (!page.openId) return false;
      const d = dialogEl();
      if (!d) {
        if (!more.open()) return false;
        const item = $('[data-test=move-item]', pane);
        item?.focus();
        if (item) more.activate(item);
        return true;
      }
      if (d.open) return true;
      closePopovers();
      modal.returnFocus = document.activeElement;
      subject = page.openId;
      modal.busy = false;
      reset();
      d.showModal();
      sync();
      field('move-inbox').focus();
      return true;
    }

    /** The request body, or null when it is not complete yet. */
    function request() {
      const d = dialogEl();
      const inbox = field('move-inbox').value;
      if (!inbox) return null;
      const specific = () => ({
        mode: 'specific',
        user_ids: ticked().filter((o) => o.dataset.type === 'user').map((o) => apiId(o.dataset.id)),
        team_ids: ticked().filter((o) => o.dataset.type === 'team').map((o) => apiId(o.dataset.id)),
      });
      const mode = assignMode();
      let assign;
      if (mode === 'specific') assign = specific();
      else if (mode === 'contact_owner') {
        assign = { mode: 'contact_owner', fallback: fallbackMode() === 'specific' ? specific() : { mode: 'unassigned' } };
      } else assign = { mode: 'unassigned' };
      const body = { inbox_id: apiId(inbox), from_inbox_id: apiId(d.dataset.fromInboxId), assign };
      const comment = field('move-comment').value;
      if (comment.trim()) body.comment = comment;
      return body;
    }

    async function submit() {
      const d = dialogEl();
      const body = request();
      const id = subject;
      if (!d || !body || !id || modal.busy || field('move-submit').disabled) return;
      const select = field('move-inbox');
      const name = select.selectedOptions[0]?.textContent.trim() ?? 'the other inbox';
      modal.busy = true;
      showError('');
      d.classList.add('is-busy');
      const submitButton = field('move-submit');
      submitButton.disabled = true;
      field('move-cancel').disabled = true;
      movedAway.add(id);
      const res = await api('POST', `/api/v1/conversations/${encodeURIComponent(id)}/move`, body);
      modal.busy = false;
      d.classList.remove('is-busy');
      field('move-cancel').disabled = false;
      if (!res.ok) {
        movedAway.delete(id);
        const code = res.data?.error?.code;
        let message = res.message;
        if (res.status === 409 || code === 'conflict') {
          message = `${message.replace(/\.?$/, '.')} Close this dialog to see where the conversation is now.`;
          scheduleListRefresh();
        } else if (res.status === 404) {
          message = 'This conversation or that inbox no longer exists. Close this dialog and try again.';
        }
        showError(message);
        sync();
        field('move-error').scrollIntoView({ block: 'nearest' });
        return;
      }
      modal.returnFocus = null;
      d.close();
      toast(`Moved to ${name}`);
      if (page.openId === id) {
        closeThread();
        history.replaceState(history.state, '', urlWith(null));
      }
      refreshCounts();
      await refreshList();
      // Keyboard users carry on from where the conversation was in the list.
      const row = $(`[data-id="${CSS.escape(id)}"]`, list) ?? rows()[0];
      if (row) {
        select(row.dataset.id, { scroll: true });
        if (!pane.contains(document.activeElement)) row.focus?.({ preventScroll: true });
      }
    }

    function key(e) {
      if (trapTab(dialogEl(), e)) return true;
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        submit();
        return true;
      }
      // Enter in the filter ticks the only match rather than submitting the form.
      if (e.key === 'Enter' && e.target.matches('[data-test=move-filter]')) {
        const shown = options().filter((o) => !o.closest('.pick').hidden && !o.disabled);
        if (shown.length === 1) {
          shown[0].checked = !shown[0].checked;
          sync();
        }
        return true;
      }
      return false;
    }

    return { open, close: modal.close, closed: modal.closed, cancel: modal.cancel, isOpen, sync, filter, submit, key };
  })();

  /** Conversations this page moved away: their thread's 404 is expected, not an error. */
  const movedAway = new Set();

  // ----- Email: remote images, quoted history, delivery retry -----

  const mail = (() => {
    /** Entries whose remote images / quoted history the reader opened (kept across refreshes). */
    const imagesShown = new Set();
    const quotesShown = new Set();

    /** Loads an entry's held-back remote images (http and https only, no referrer). */
    function loadImages(entry) {
      for (const img of $$('img[data-remote-src]', entry)) {
        const src = img.dataset.remoteSrc;
        img.removeAttribute('data-remote-src');
        if (!/^https?:\/\//i.test(src)) continue;
        img.referrerPolicy = 'no-referrer';
        img.src = src;
      }
      $('[data-test=remote-images]', entry)?.remove();
    }

    function setQuote(entry, shown) {
      entry.classList.toggle('show-quoted', shown);
      const toggle = $('[data-test=quote-toggle]', entry);
      if (!toggle) return;
      toggle.setAttribute('aria-expanded', String(shown));
      const label = shown ? 'Hide the quoted history' : 'Show the quoted history';
      toggle.setAttribute('aria-label', label);
      toggle.title = label;
    }

    function showImages(entry) {
      imagesShown.add(entry.dataset.id);
      loadImages(entry);
    }

    function toggleQuote(entry) {
      const shown = !entry.classList.contains('show-quoted');
      if (shown) quotesShown.add(entry.dataset.id);
      else quotesShown.delete(entry.dataset.id);
      setQuote(entry, shown);
    }

    /** After a render: what the reader opened stays open. */
    function restore(root) {
      for (const entry of $$('.entry.is-email', root)) {
        if (imagesShown.has(entry.dataset.id)) loadImages(entry);
        if (quotesShown.has(entry.dataset.id)) setQuote(entry, true);
      }
    }

    async function retry(button) {
      const id = page.openId;
      if (!id || button.disabled) return;
      button.disabled = true;
      const path = `/api/v1/conversations/${encodeURIComponent(id)}/entries/${encodeURIComponent(button.dataset.entryId)}/retry`;
      const res = await api('POST', path);
      button.disabled = false;
      if (!res.ok) {
        toast(res.message, { error: true });
        return;
      }
      toast('Sending again');
      refreshThread();
    }

    return { showImages, toggleQuote, restore, retry };
  })();

  // ----- Forward an email (the dialog) -----

  const forwarding = (() => {
    const dialogEl = () => $('[data-test=forward-dialog]', pane);
    const modal = modalDialog(dialogEl);
    /** What the dialog forwards: `{conversation, entry}` (kept if the pane changes). */
    let subject = null;

    const field = (test) => $(`[data-test=${test}]`, dialogEl());
    const isOpen = () => Boolean(dialogEl()?.open);
    /** Addresses typed as `a@x.test, b@y.test` (commas, semicolons or spaces). */
    const addresses = (text) => text.split(/[\s,;]+/).map((a) => a.trim()).filter(Boolean);

    function sync() {
      if (!dialogEl()) return;
      field('forward-send').disabled = modal.busy || addresses(field('forward-to').value).length === 0 || !field('forward-message').value.trim();
    }

    function showError(message) {
      const error = field('forward-error');
      error.textContent = message;
      error.hidden = !message;
    }

    /** The newest email message's Forward button (what `f` forwards). */
    const latest = () => $('[data-action=forward].is-latest', pane) ?? $$('[data-action=forward]', pane).at(-1);

    /** Shows the original's headers, opening lines and files under the message. */
    function describe(button) {
      const d = dialogEl();
      const entry = button.closest('.entry');
      const set = (name, text) => {
        $(`[data-field=${name}]`, d).textContent = text;
      };
      set('from', button.dataset.from || '');
      set('date', button.dataset.date || '');
      set('subject', button.dataset.subject || $('[data-test=thread-subject]', pane)?.textContent.trim() || '');
      const text = ($('.body', entry)?.innerText ?? '').replace(/\s+/g, ' ').trim();
      set('excerpt', text.length > 280 ? `${text.slice(0, 280)}…` : text);
      const files = $$('.file-name', entry).map((f) => f.textContent.trim());
      const filesEl = $('[data-field=files]', d);
      filesEl.textContent = files.length ? `${files.length === 1 ? 'Attachment' : `${files.length} attachments`}: ${files.join(', ')}` : '';
      filesEl.hidden = files.length === 0;
    }

    function open(button = latest()) {
      const d = dialogEl();
      if (!d || !button || !page.openId) return false;
      if (d.open) return true;
      closePopovers();
      modal.returnFocus = document.activeElement;
      const sameMessage = subject?.conversation === page.openId && subject?.entry === button.dataset.entryId;
      if (!sameMessage) {
        // A new message starts blank; reopening the same one keeps what was typed.
        field('forward-to').value = '';
        field('forward-cc').value = '';
        field('forward-message').value = '';
        field('forward-cc-row').hidden = true;
        field('forward-show-cc').hidden = false;
      }
      subject = { conversation: page.openId, entry: button.dataset.entryId };
      modal.busy = false;
      showError('');
      describe(button);
      d.showModal();
      sync();
      field('forward-to').focus();
      return true;
    }

    function showCc() {
      field('forward-cc-row').hidden = false;
      field('forward-show-cc').hidden = true;
      field('forward-cc').focus();
    }

    async function submit() {
      const d = dialogEl();
      if (!d || !subject || modal.busy || field('forward-send').disabled) return;
      const to = addresses(field('forward-to').value);
      const body = {
        message_id: apiId(subject.entry),
        to,
        cc: addresses(field('forward-cc').value),
        body: field('forward-message').value,
      };
      const { conversation } = subject;
      modal.busy = true;
      showError('');
      d.classList.add('is-busy');
      field('forward-send').disabled = true;
      field('forward-cancel').disabled = true;
      const res = await api('POST', `/api/v1/conversations/${encodeURIComponent(conversation)}/forward`, body);
      modal.busy = false;
      d.classList.remove('is-busy');
      field('forward-cancel').disabled = false;
      if (!res.ok) {
        showError(res.message);
        sync();
        return;
      }
      subject = null;
      d.close();
      toast(`Forwarded to ${to.join(', ')}`);
      if (page.openId !== conversation) return;
      await refreshThread();
      scrollTimelineToEnd();
    }

    function key(e) {
      if (trapTab(dialogEl(), e)) return true;
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        submit();
        return true;
      }
      return false;
    }

    return { open, close: modal.close, closed: modal.closed, cancel: modal.cancel, isOpen, sync, submit, key, showCc };
  })();

  // ----- Tickets (the contact column) -----

  const tickets = (() => {
    const section = () => $('[data-region=tickets]', pane);
    const formEl = () => $('[data-test=ticket-form]', pane);
    const isOpen = () => Boolean(formEl());

    /** Has the open form changed since it opened? */
    function dirty() {
      const form = formEl();
      if (!form) return false;
      return ['subject', 'stage', 'priority', 'owner'].some((n) => form.elements[n].value !== form.dataset[`was${n[0].toUpperCase()}${n.slice(1)}`]);
    }

    function showError(form, message) {
      const error = $('[data-test=ticket-error]', form);
      error.textContent = message;
      error.hidden = !message;
    }

    /** Opens the create form, or the edit form of `item` (a ticket row). */
    function open(item = null) {
      const sec = section();
      if (!sec) return;
      const current = formEl();
      if (current) {
        if (dirty()) {
          // Never throw away what the reader typed: show them the form they have open.
          current.elements.subject.focus();
          current.classList.remove('is-nudged');
          void current.offsetWidth;
          current.classList.add('is-nudged');
          return;
        }
        close();
      }
      const template = $('.ticket-form-template', sec);
      const form = template.content.firstElementChild.cloneNode(true);
      const f = form.elements;
      if (item) {
        form.dataset.mode = 'edit';
        form.dataset.id = item.dataset.id;
        $('.ticket-form-title', form).textContent = `Edit ticket #${item.dataset.id}`;
        $('[data-test=ticket-save]', form).textContent = 'Save changes';
        f.subject.value = item.dataset.subject;
        f.stage.value = item.dataset.stage;
        f.priority.value = item.dataset.priority;
        const owner = item.dataset.ownerId ?? '';
        if (owner && ![...f.owner.options].some((o) => o.value === owner)) {
          // An owner who is not (or no longer) in this inbox stays selectable as is.
          const option = document.createElement('option');
          option.value = owner;
          option.textContent = item.dataset.ownerName || 'Former teammate';
          f.owner.append(option);
        }
        f.owner.value = owner;
        item.hidden = true;
        $('[data-slot=edit]', item.closest('.ticket-entry')).append(form);
      } else {
        form.dataset.mode = 'create';
        $('.ticket-form-title', form).textContent = 'New ticket';
        $('[data-test=ticket-save]', form).textContent = 'Create ticket';
        f.subject.value = sec.dataset.subject ?? '';
        f.stage.value = 'new';
        f.priority.value = 'medium';
        f.owner.value = $('option[data-me]', f.owner)?.value ?? '';
        $('[data-slot=create]', sec).append(form);
        $('[data-test=ticket-create]', sec)?.setAttribute('aria-expanded', 'true');
      }
      for (const n of ['subject', 'stage', 'priority', 'owner']) {
        form.dataset[`was${n[0].toUpperCase()}${n.slice(1)}`] = f[n].value;
      }
      for (const kbd of $$('kbd[data-mod]', form)) kbd.textContent = isMac ? '⌘' : 'Ctrl';
      f.subject.focus();
      f.subject.setSelectionRange(f.subject.value.length, f.subject.value.length);
      form.scrollIntoView({ block: 'nearest' });
    }

    /** Closes the open form; `refocus` puts focus back on what opened it. */
    function close({ refocus = false } = {}) {
      const form = formEl();
      if (!form) return;
      const entry = form.closest('.ticket-entry');
      const item = entry ? $('[data-test=ticket-item]', entry) : null;
      form.remove();
      if (item) item.hidden = false;
      const create = $('[data-test=ticket-create]', pane);
      create?.setAttribute('aria-expanded', 'false');
      if (refocus) (item ?? create)?.focus();
    }

    async function save(form) {
      const f = form.elements;
      const button = $('[data-test=ticket-save]', form);
      if (button.disabled) return;
      const subjectText = f.subject.value.trim();
      if (!subjectText) {
        showError(form, 'Give the ticket a subject');
        f.subject.focus();
        return;
      }
      const id = page.openId;
      const owner = f.owner.value ? apiId(f.owner.value) : null;
      let res;
      const label = button.textContent;
      button.disabled = true;
      button.textContent = 'Saving…';
      showError(form, '');
      if (form.dataset.mode === 'edit') {
        const changes = {};
        if (f.subject.value !== form.dataset.wasSubject) changes.subject = subjectText;
        if (f.stage.value !== form.dataset.wasStage) changes.stage = f.stage.value;
        if (f.priority.value !== form.dataset.wasPriority) changes.priority = f.priority.value;
        if (f.owner.value !== form.dataset.wasOwner) changes.owner_id = owner;
        if (Object.keys(changes).length === 0) {
          close({ refocus: true });
          return;
        }
        res = await api('PATCH', `/api/v1/tickets/${encodeURIComponent(form.dataset.id)}`, changes);
      } else {
        const body = { subject: subjectText, conversation_ids: [apiId(id)], stage: f.stage.value, priority: f.priority.value };
        if (owner !== null) body.owner_id = owner;
        res = await api('POST', '/api/v1/tickets', body);
      }
      button.disabled = false;
      button.textContent = label;
      if (!res.ok) {
        showError(form, res.status === 404 && form.dataset.mode === 'edit' ? 'This ticket no longer exists or moved out of your inboxes' : res.message);
        f.subject.focus();
        return;
      }
      const ticketId = String(res.data?.id ?? form.dataset.id ?? '');
      const created = form.dataset.mode === 'create';
      close();
      toast(created ? 'Ticket created' : 'Ticket updated');
      if (id !== page.openId) return;
      await refreshThread();
      const item = $(`[data-test=ticket-item][data-id="${CSS.escape(ticketId)}"]`, pane);
      if (item) {
        item.focus({ preventScroll: true });
        item.scrollIntoView({ block: 'nearest' });
        item.classList.add('is-fresh');
      }
    }

    function key(e) {
      const form = e.target.closest('[data-test=ticket-form]');
      if (!form) return false;
      if (e.key === 'Escape') {
        close({ refocus: true });
        return true;
      }
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        form.requestSubmit();
        return true;
      }
      return false;
    }

    return { open, close, isOpen, save, key, showError };
  })();

  // ----- Comments: actions and delete -----

  function closeEntryMenus(except = null) {
    for (const m of $$('.entry-menu', pane)) {
      if (m === except) continue;
      m.hidden = true;
      m.closest('.entry')?.classList.remove('has-menu');
      m.parentElement.querySelector('[data-test=comment-actions]')?.setAttribute('aria-expanded', 'false');
    }
  }

  function toggleEntryMenu(button) {
    const menuEl = button.parentElement.querySelector('.entry-menu');
    if (!menuEl) return;
    closeEntryMenus(menuEl);
    const open = menuEl.hidden;
    menuEl.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.closest('.entry')?.classList.toggle('has-menu', open);
    if (open) $('[role=menuitem]', menuEl)?.focus();
  }

  /** Asks in the confirm dialog; resolves true when confirmed. */
  function confirmDelete() {
    return new Promise((resolve) => {
      confirmBox.returnValue = '';
      confirmBox.addEventListener('close', () => resolve(confirmBox.returnValue === 'ok'), { once: true });
      confirmBox.showModal();
      $('[data-test=confirm-cancel]', confirmBox)?.focus();
    });
  }

  async function deleteComment(entry) {
    const id = page.openId;
    const entryId = entry?.dataset.id;
    if (!id || !entryId) return;
    closeEntryMenus();
    if (!(await confirmDelete())) {
      $('[data-test=comment-actions]', entry)?.focus();
      return;
    }
    entry.classList.add('is-leaving');
    const res = await api('DELETE', `/api/v1/conversations/${encodeURIComponent(id)}/comments/${encodeURIComponent(entryId)}`);
    if (!res.ok) {
      entry.classList.remove('is-leaving');
      toast(res.message, { error: true });
      return;
    }
    toast('Comment deleted');
    await refreshThread();
  }

  /** An entry deleted elsewhere: fade it out now, the refresh confirms. */
  function dropEntry(entryId) {
    const entry = $(`.entry[data-id="${CSS.escape(String(entryId))}"]`, pane);
    entry?.classList.add('is-leaving');
  }

  async function setStatus(button) {
    const id = page.openId;
    if (!id) return;
    button.disabled = true;
    const res = await api('PATCH', `/api/v1/conversations/${encodeURIComponent(id)}`, { status: button.dataset.status });
    if (!res.ok) {
      button.disabled = false;
      toast(res.message, { error: true });
      return;
    }
    toast(button.dataset.status === 'closed' ? 'Conversation closed' : 'Conversation reopened');
    await refreshThread();
    refreshList();
    refreshCounts();
  }

  const scheduleListRefresh = debounce(() => {
    refreshList();
    refreshCounts();
  }, 150);
  const scheduleThreadRefresh = debounce(refreshThread, 150);

  // ----- Notifications (the bell) -----

  const notifications = (() => {
    const bell = $('[data-test=bell]');
    const panel = $('[data-test=notifications]');
    const count = $('[data-test=bell-count]');
    const listEl = $('.notifications-list', panel ?? document);
    const empty = $('.notifications-empty', panel ?? document);
    const readAll = $('[data-action=read-all]', panel ?? document);
    const icons = $('#notification-icons');
    let items = null;
    let seq = 0;
    const isOpen = () => Boolean(panel && !panel.hidden);

    function renderCount() {
      if (!count || !items) return;
      const unread = items.filter((n) => !n.read).length;
      count.textContent = unread > 99 ? '99+' : String(unread);
      count.hidden = unread === 0;
      bell.setAttribute('aria-label', unread ? `Notifications, ${unread} unread` : 'Notifications');
      if (readAll) readAll.hidden = unread === 0;
    }

    function item(n) {
      const link = document.createElement('a');
      link.className = `notification${n.read ? '' : ' is-unread'}`;
      link.dataset.test = 'notification';
      link.dataset.id = String(n.id);
      link.href = n.link ?? '#';
      link.setAttribute('role', 'listitem');
      const icon = document.createElement('span');
      icon.className = `notification-icon kind-${n.kind}`;
      const svg = icons?.content.querySelector(`[data-kind="${CSS.escape(n.kind ?? '')}"]`) ?? icons?.content.querySelector('svg');
      if (svg) icon.append(svg.cloneNode(true));
      const main = document.createElement('span');
      main.className = 'notification-main';
      const text = document.createElement('span');
      text.className = 'notification-text';
      text.textContent = n.text;
      const time = document.createElement('time');
      time.dataset.ts = String(n.created_at);
      time.dataset.format = 'rel';
      time.dateTime = new Date(n.created_at).toISOString();
      main.append(text, time);
      const dot = document.createElement('span');
      dot.className = 'unread-dot';
      dot.setAttribute('aria-label', n.read ? '' : 'Unread');
      link.append(icon, main, dot);
      return link;
    }

    function render() {
      if (!listEl || !items) return;
      listEl.replaceChildren(...items.map(item));
      empty.hidden = items.length > 0;
      localizeTimes(listEl);
    }

    async function load() {
      const mine = ++seq;
      const res = await api('GET', '/api/v1/notifications');
      if (mine !== seq || !res.ok) return;
      const before = items ? items.filter((n) => !n.read).length : null;
      items = res.data?.items ?? [];
      renderCount();
      if (isOpen()) render();
      const after = items.filter((n) => !n.read).length;
      if (before !== null && after > before && bell) {
        bell.classList.remove('has-news');
        void bell.offsetWidth;
        bell.classList.add('has-news');
      }
    }

    async function open() {
      if (!panel) return;
      owners.close();
      setMenu(false, { focus: false });
      panel.hidden = false;
      bell.setAttribute('aria-expanded', 'true');
      if (items) render();
      await load();
      render();
      ($('.notification', listEl) ?? readAll)?.focus({ preventScroll: true });
    }

    function close({ refocus = false } = {}) {
      if (!isOpen()) return;
      panel.hidden = true;
      bell.setAttribute('aria-expanded', 'false');
      if (refocus) bell.focus();
    }

    async function markRead(n) {
      if (n.read) return;
      n.read = true;
      renderCount();
      await api('POST', `/api/v1/notifications/${encodeURIComponent(n.id)}/read`);
    }

    /** Opens where a notification leads: in place on this inbox page, else by loading it. */
    async function follow(link) {
      const n = items?.find((x) => String(x.id) === link.dataset.id);
      if (!n) return;
      close();
      const read = markRead(n);
      if (!n.link) return;
      const target = new URL(n.link, location.href);
      const c = target.searchParams.get('c');
      if (target.origin === location.origin && target.pathname === location.pathname && c) {
        await openConversation(c, { hash: target.hash });
        select(c, { scroll: true });
        return;
      }
      await read; // the next page's badge must not count it again
      location.assign(target.href);
    }

    async function markAll() {
      const unread = (items ?? []).filter((n) => !n.read);
      await Promise.all(unread.map(markRead));
      render();
    }

    bell?.addEventListener('click', () => (isOpen() ? close() : open()));
    listEl?.addEventListener('click', (e) => {
      const link = e.target.closest('[data-test=notification]');
      if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      follow(link);
    });
    panel?.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      e.preventDefault();
      const links = $$('.notification', listEl);
      const at = links.indexOf(document.activeElement);
      links[(at + (e.key === 'ArrowDown' ? 1 : links.length - 1)) % links.length]?.focus();
    });
    readAll?.addEventListener('click', markAll);

    return { load, open, close, isOpen };
  })();

  // ----- Availability -----

  const availability = $('[data-test=availability]');
  availability?.addEventListener('click', async () => {
    const next = availability.dataset.availability === 'away' ? 'available' : 'away';
    availability.disabled = true;
    const res = await api('PATCH', '/api/v1/users/me', { availability: next });
    availability.disabled = false;
    if (!res.ok) {
      toast(res.message, { error: true });
      return;
    }
    const now = res.data?.availability ?? next;
    availability.dataset.availability = now;
    $('.availability-dot', availability).className = `availability-dot is-${now}`;
    const away = now === 'away';
    availability.setAttribute('aria-label', away ? 'You are away. Set yourself available' : 'You are available. Set yourself away');
    availability.title = away ? 'Away: round-robin skips you. Click to become available' : 'Available for new conversations. Click to set away';
    const label = $('[data-test=availability-label]');
    if (label) label.textContent = away ? 'Away' : 'Available';
    toast(away ? 'You are away: round-robin assigns you nothing new' : 'You are available for new conversations');
  });

  // ----- Presence: who else views, replies, comments and types here -----

  const PRESENCE_HEARTBEAT_MS = 10_000;
  const TYPING_IDLE_MS = 3_000;
  const STATE_WORDS = {
    viewing: 'is viewing',
    composing_reply: 'is replying',
    composing_comment: 'is writing a note',
  };

  const presence = (() => {
    /** Latest `users` of each conversation, from the server's presence frames. */
    const others = new Map();
    let sent = null; // {id, state}: what the server last heard from this tab
    let typing = null; // the conversation id while typing is announced as active
    let typingTimer = null;
    let supported = true;

    const sees = () => composer()?.dataset.presence === 'on';
    const frame = (f) => supported && realtime.send(f);

    function wanted() {
      const box = activeBox();
      if (!box) return 'viewing';
      const composing = document.activeElement === box || box.value.trim() !== '';
      if (!composing) return 'viewing';
      return mode() === 'comment' ? 'composing_comment' : 'composing_reply';
    }

    /** Tells the server what this tab does now, if that changed. */
    function update({ force = false } = {}) {
      const id = page.openId;
      if (!id) return;
      const state = wanted();
      if (!force && sent?.id === id && sent.state === state) return;
      sent = { id, state };
      frame({ type: 'presence', conversation_id: apiId(id), state });
    }

    function enter() {
      sent = null;
      update();
      if (!sees() || !page.openId) return;
      const id = page.openId;
      api('GET', `/api/v1/conversations/${encodeURIComponent(id)}/presence`).then((res) => {
        if (!res.ok || id !== page.openId || others.has(id)) return;
        const users = res.data?.users ?? res.data?.items;
        if (Array.isArray(users)) {
          others.set(id, users);
          render();
        }
      });
    }

    function leave(id) {
      if (typing === id) stopTyping();
      frame({ type: 'presence', conversation_id: apiId(id), state: 'left' });
      others.delete(id);
      if (sent?.id === id) sent = null;
    }

    function typed() {
      const id = page.openId;
      if (!id) return;
      if (typing !== id) {
        if (typing) stopTyping();
        typing = id;
        frame({ type: 'typing', conversation_id: apiId(id), active: true });
      }
      clearTimeout(typingTimer);
      typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
    }

    function stopTyping() {
      clearTimeout(typingTimer);
      if (!typing) return;
      frame({ type: 'typing', conversation_id: apiId(typing), active: false });
      typing = null;
    }

    function heartbeat() {
      if (!page.openId || document.visibilityState === 'hidden') return;
      update({ force: true });
      if (typing === page.openId) frame({ type: 'typing', conversation_id: apiId(typing), active: true });
    }

    function avatar(user) {
      const el = document.createElement('span');
      const state = user.typing ? 'typing' : user.state;
      el.className = `avatar avatar-sm tone-${tone(user.id)} presence-avatar is-${state}`;
      el.dataset.userId = String(user.id);
      el.dataset.state = user.state;
      el.textContent = initials(user.name);
      const words = STATE_WORDS[user.state] ?? 'is here';
      el.dataset.tip = `${user.name} ${user.typing ? `${words}, typing…` : words}`;
      el.setAttribute('aria-label', el.dataset.tip);
      el.setAttribute('role', 'img');
      return el;
    }

    /** Draws the avatars, typing line and collision warning of the open thread. */
    function render() {
      const form = composer();
      if (!form || !sees()) return;
      const users = (others.get(page.openId) ?? []).filter((u) => String(u.id) !== page.userId);
      const box = $('[data-test=presence]', form);
      box.replaceChildren(...users.slice(0, 5).map(avatar));
      if (users.length > 5) {
        const more = document.createElement('span');
        more.className = 'avatar avatar-sm presence-more';
        more.textContent = `+${users.length - 5}`;
        more.dataset.tip = users.slice(5).map((u) => u.name).join(', ');
        box.append(more);
      }
      box.hidden = users.length === 0;
      const typers = users.filter((u) => u.typing).map((u) => firstName(u.name));
      const typingEl = $('[data-test=typing]', form);
      $('.typing-text', typingEl).textContent = typers.length
        ? `${namesSentence(typers)} ${typers.length === 1 ? 'is' : 'are'} typing…`
        : '';
      typingEl.hidden = typers.length === 0;
      const repliers = users.filter((u) => u.state === 'composing_reply').map((u) => firstName(u.name));
      const warning = $('[data-test=collision-warning]', form);
      $('.collision-text', warning).textContent = repliers.length
        ? `${namesSentence(repliers)} ${repliers.length === 1 ? 'is' : 'are'} replying to this conversation too. Check before you send.`
        : '';
      warning.hidden = repliers.length === 0 || mode() !== 'reply';
    }

    function onFrame(f) {
      if (f.conversation_id == null || !Array.isArray(f.users)) return;
      others.set(String(f.conversation_id), f.users);
      if (String(f.conversation_id) === page.openId) render();
    }

    /** The server did not understand a frame: it predates presence; stop sending. */
    function unsupported() {
      supported = false;
    }

    /** A new socket: the server knows nothing of this tab yet. */
    function reconnected() {
      supported = true;
      sent = null;
      others.clear();
      if (page.openId) enter();
    }

    setInterval(heartbeat, PRESENCE_HEARTBEAT_MS);
    return { update, enter, leave, typed, stopTyping, render, onFrame, unsupported, reconnected };
  })();

  // ----- Realtime -----

  const connection = $('#connection');
  const realtime = (() => {
    let socket = null;
    let attempt = 0;
    let missed = false;
    let leaving = false;
    let ping = null;
    const send = (frame) => {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    };
    const topics = () => [
      `inbox:${page.inboxId}`,
      `user:${page.userId}`,
      ...(page.openId ? [`conversation:${page.openId}`] : []),
    ];

    function onFrame(frame) {
      if (frame?.type === 'presence') {
        presence.onFrame(frame);
        return;
      }
      if (frame?.type === 'error' && frame.code === 'bad_frame') {
        presence.unsupported();
        return;
      }
      if (frame?.type !== 'event' || !frame.event) return;
      const event = frame.event;
      if (event.type === 'notification_created') {
        notifications.load();
        return;
      }
      const inboxEvent = frame.topic === `inbox:${page.inboxId}` || String(event.inbox_id) === page.inboxId;
      if (inboxEvent) scheduleListRefresh();
      const aboutOpen = event.conversation_id != null && String(event.conversation_id) === page.openId;
      if (!aboutOpen) return;
      if (event.type === 'entry_deleted') {
        dropEntry(event.entry_id);
        scheduleThreadRefresh();
      } else if (event.type === 'entry_created' || event.type === 'conversation_updated') {
        scheduleThreadRefresh();
      }
    }

    function connect() {
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      socket = new WebSocket(`${scheme}//${location.host}/api/v1/realtime`);
      socket.addEventListener('open', () => {
        attempt = 0;
        connection.hidden = true;
        for (const topic of topics()) send({ type: 'subscribe', topic });
        clearInterval(ping);
        ping = setInterval(() => send({ type: 'ping' }), 25_000);
        presence.reconnected();
        if (missed) {
          // Events may have been lost while disconnected: catch up once.
          missed = false;
          refreshList();
          refreshCounts();
          refreshThread();
          notifications.load();
        }
      });
      socket.addEventListener('message', (m) => {
        let frame;
        try {
          frame = JSON.parse(m.data);
        } catch {
          return; // ignore frames that are not JSON
        }
        onFrame(frame);
      });
      socket.addEventListener('close', () => {
        clearInterval(ping);
        socket = null;
        if (leaving) return;
        missed = true;
        connection.hidden = false;
        const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        attempt += 1;
        setTimeout(connect, delay);
      });
    }

    window.addEventListener('pagehide', () => {
      if (page.openId) presence.leave(page.openId);
      leaving = true;
    });

    return {
      connect,
      send,
      follow(previous, next) {
        if (previous === next) return;
        if (previous) send({ type: 'unsubscribe', topic: `conversation:${previous}` });
        if (next) send({ type: 'subscribe', topic: `conversation:${next}` });
      },
    };
  })();

  // ----- Menus, dialog, panels -----

  function setMenu(open, { focus = true } = {}) {
    if (!menu || !switcher) return;
    menu.hidden = !open;
    switcher.setAttribute('aria-expanded', String(open));
    if (open && focus) ($('.is-current', menu) ?? $('a', menu))?.focus();
  }

  function openShortcuts() {
    setMenu(false, { focus: false });
    if (dialog.open) return;
    dialog.showModal();
    dialog.focus(); // the dialog itself, not its close button
  }

  function renderShortcuts() {
    const tbody = $('tbody', dialog);
    tbody.replaceChildren(
      ...SHORTCUTS.map((s) => {
        const tr = document.createElement('tr');
        const keys = document.createElement('td');
        s.keys.forEach((key, i) => {
          if (i > 0) keys.append(' ');
          const kbd = document.createElement('kbd');
          kbd.textContent = key === 'Ctrl' && isMac ? '⌘' : key;
          keys.append(kbd);
        });
        const what = document.createElement('td');
        what.textContent = s.description;
        tr.append(keys, what);
        return tr;
      }),
    );
  }

  function toggleContact() {
    const panel = $('.contact-panel', pane);
    const shown = panel && getComputedStyle(panel).display !== 'none';
    app.dataset.contact = shown ? 'hidden' : 'shown';
    store.set('sb-contact-panel', app.dataset.contact);
  }

  function escape() {
    if (dialog.open) {
      dialog.close();
      return;
    }
    if (menu && !menu.hidden) {
      setMenu(false);
      switcher.focus();
      return;
    }
    if (notifications.isOpen()) {
      notifications.close({ refocus: true });
      return;
    }
    if (owners.isOpen()) {
      owners.close({ refocus: true });
      return;
    }
    if (more.isOpen()) {
      more.close({ refocus: true });
      return;
    }
    if (insert.isOpen()) {
      insert.close({ refocus: true });
      return;
    }
    const entryMenu = $$('.entry-menu', pane).find((m) => !m.hidden);
    if (entryMenu) {
      closeEntryMenus();
      $('[data-test=comment-actions]', entryMenu.parentElement)?.focus();
      return;
    }
    if (app.classList.contains('nav-open')) {
      app.classList.remove('nav-open');
      return;
    }
    const active = document.activeElement;
    if (active && active !== document.body) active.blur();
  }

  // ----- Keyboard -----

  /**
   * Every keyboard shortcut, in the order the `?` dialog lists them. `key` is the
   * KeyboardEvent.key to match; `mod` requires Ctrl or ⌘; `whileTyping` also runs in
   * text fields. `run` returning false lets the key do what it normally does.
   */
  const SHORTCUTS = [
    { keys: ['j'], key: 'j', description: 'Next conversation', run: () => moveSelection(1) },
    { keys: ['k'], key: 'k', description: 'Previous conversation', run: () => moveSelection(-1) },
    {
      keys: ['Enter'],
      key: 'Enter',
      description: 'Open the selected conversation',
      run: () => {
        if (!page.selectedId) return false;
        openConversation(page.selectedId);
        return true;
      },
    },
    {
      keys: ['r'],
      key: 'r',
      description: 'Reply to the open conversation',
      run: () => {
        if (!composer()) return false;
        setMode('reply');
        return true;
      },
    },
    {
      keys: ['c'],
      key: 'c',
      description: 'Write an internal comment (only your team sees it)',
      run: () => {
        if (!composer()) return false;
        setMode('comment');
        return true;
      },
    },
    {
      keys: ['a'],
      key: 'a',
      description: 'Change the owner: assign to a teammate or team',
      run: () => owners.open(),
    },
    {
      keys: ['m'],
      key: 'm',
      description: 'Move the conversation to another inbox',
      run: () => moving.open(),
    },
    {
      keys: ['f'],
      key: 'f',
      description: 'Forward the latest email of the conversation',
      run: () => forwarding.open(),
    },
    {
      keys: ['/'],
      key: '/',
      description: 'Search conversations',
      run: () => {
        search.focus();
        search.select();
      },
    },
    { keys: ['?'], key: '?', description: 'Show keyboard shortcuts', run: openShortcuts },
    {
      keys: ['Ctrl', 'Enter'],
      key: 'Enter',
      mod: true,
      whileTyping: true,
      description: 'Send the reply or comment',
      run: (e) => {
        const form = e.target.closest?.('[data-region=composer]');
        if (!form) return false;
        form.requestSubmit();
        return true;
      },
    },
    {
      keys: ['Esc'],
      key: 'Escape',
      whileTyping: true,
      description: 'Close dialogs and menus, leave a text field',
      run: escape,
    },
  ];

  const isTyping = (el) =>
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    (el instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'submit'].includes(el.type)) ||
    el?.isContentEditable === true;

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing || e.altKey) return;
    if (confirmBox?.open || moving.isOpen() || forwarding.isOpen()) return; // a modal handles its own keys (Esc cancels)
    const mod = e.ctrlKey || e.metaKey;
    const typing = isTyping(e.target);
    // Enter on a button, tab or menu item activates it rather than opening a row.
    if (e.key === 'Enter' && !mod && e.target.closest?.('button, .notification, [role=option], [role=tab], [role=menuitem]')) return;
    for (const s of SHORTCUTS) {
      if (s.key !== e.key || Boolean(s.mod) !== mod) continue;
      if (typing && !s.whileTyping) return;
      if (dialog.open && s.key !== 'Escape') return;
      if (s.run(e) !== false) e.preventDefault();
      return;
    }
  });

  // ----- Wiring -----

  list.addEventListener('click', (e) => {
    const more = e.target.closest('[data-action=load-more]');
    if (more) {
      loadMore(more);
      return;
    }
    const row = e.target.closest('[data-test=conversation-row]');
    if (!row || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    select(row.dataset.id, { scroll: false });
    openConversation(row.dataset.id);
  });

  pane.addEventListener('submit', (e) => {
    if (e.target.matches('[data-test=ticket-form]')) {
      e.preventDefault();
      tickets.save(e.target);
      return;
    }
    if (e.target.matches('[data-test=move-form]')) {
      e.preventDefault();
      moving.submit();
      return;
    }
    if (e.target.matches('[data-test=forward-form]')) {
      e.preventDefault();
      forwarding.submit();
      return;
    }
    if (!e.target.matches('[data-region=composer]')) return;
    e.preventDefault();
    if (mentions.isOpen()) mentions.close();
    if (mode() === 'comment') sendComment(e.target);
    else sendReply(e.target);
  });

  pane.addEventListener('click', (e) => {
    const t = e.target;
    const status = t.closest('[data-action=set-status]');
    if (status) setStatus(status);
    if (t.closest('[data-action=toggle-contact]')) toggleContact();
    const tab = t.closest('[data-region=composer] [role=tab][data-mode]');
    if (tab) setMode(tab.dataset.mode);
    const tool = t.closest('[data-format]');
    if (tool) format(tool.dataset.format);
    if (t.closest('[data-test=comment-attach]')) $('[data-test=comment-file]', pane)?.click();
    const remove = t.closest('[data-test=attachment-remove]');
    if (remove) removeUpload(remove.dataset.key);
    const mention = t.closest('[data-test=mention-option]');
    if (mention) mentions.pick(mention);
    if (t.closest('[data-test=insert-menu]')) {
      if (insert.isOpen()) insert.close();
      else insert.open();
    }
    const kind = t.closest('[data-test=insert-kind]');
    if (kind) insert.setKind(kind.dataset.kind);
    const item = t.closest('[data-test=insert-option]');
    if (item) insert.pick(item);
    if (t.closest('[data-test=owner-menu]')) {
      if (owners.isOpen()) owners.close();
      else owners.open();
    }
    const owner = t.closest('[data-test=owner-option]');
    if (owner) owners.pick(owner);
    const actions = t.closest('[data-test=comment-actions]');
    if (actions) toggleEntryMenu(actions);
    const del = t.closest('[data-test=delete-comment]');
    if (del) deleteComment(del.closest('.entry'));
    if (t.closest('[data-test=more-actions]')) {
      if (more.isOpen()) more.close();
      else more.open();
    }
    const moreItem = t.closest('[data-test=more-menu] [role=menuitem]');
    if (moreItem) more.activate(moreItem);
    if (t.closest('[data-action=close-move]')) moving.close();
    const forward = t.closest('[data-action=forward]');
    if (forward) forwarding.open(forward);
    if (t.closest('[data-action=close-forward]')) forwarding.close();
    if (t.closest('[data-action=forward-cc]')) forwarding.showCc();
    if (t.closest('[data-action=show-images]')) mail.showImages(t.closest('.entry'));
    if (t.closest('[data-action=toggle-quote]')) mail.toggleQuote(t.closest('.entry'));
    const retry = t.closest('[data-action=retry-delivery]');
    if (retry) mail.retry(retry);
    if (t.closest('[data-test=ticket-create]')) tickets.open();
    const ticket = t.closest('[data-test=ticket-item]');
    if (ticket) tickets.open(ticket);
    if (t.closest('[data-test=ticket-cancel]')) tickets.close({ refocus: true });
  });

  // The move dialog: Esc and × close it (not while the move is on its way).
  pane.addEventListener('cancel', (e) => {
    if (e.target.matches?.('[data-test=move-dialog]')) moving.cancel(e);
    if (e.target.matches?.('[data-test=forward-dialog]')) forwarding.cancel(e);
  }, true);
  pane.addEventListener('close', (e) => {
    if (e.target.matches?.('[data-test=move-dialog]')) moving.closed();
    if (e.target.matches?.('[data-test=forward-dialog]')) forwarding.closed();
  }, true);

  // Keep focus in the text box while clicking toolbar buttons and menu options.
  pane.addEventListener('mousedown', (e) => {
    if (e.target.closest('[data-format], [data-test=mention-option], [data-test=insert-kind]')) e.preventDefault();
  });

  pane.addEventListener('mouseover', (e) => {
    const option = e.target.closest('[data-test=owner-option]');
    if (option && !option.hidden) owners.setActive(option);
  });

  pane.addEventListener('input', (e) => {
    const t = e.target;
    if (t.matches('[data-test=reply-body], [data-test=comment-body]')) {
      autosize(t);
      showError(composer(), t.matches('[data-test=reply-body]') ? 'reply' : 'comment', '');
      presence.typed();
      presence.update();
      if (t.matches('[data-test=comment-body]')) mentions.update();
    }
    if (t.matches('[data-test=owner-filter]')) owners.filter(t.value);
    if (t.matches('[data-test=insert-search]')) insert.load();
    if (t.matches('[data-test=move-filter]')) moving.filter(t.value);
    if (t.closest('[data-test=forward-dialog]')) {
      forwarding.sync();
      if (!t.matches('[data-test=forward-message]')) $('[data-test=forward-error]', pane).hidden = true;
    }
    if (t.closest('[data-test=ticket-form]')) tickets.showError(t.closest('[data-test=ticket-form]'), '');
  });

  pane.addEventListener('change', (e) => {
    if (e.target.closest('[data-test=move-dialog]')) moving.sync();
    if (e.target.matches('[data-test=comment-file]')) {
      upload([...e.target.files]);
      e.target.value = '';
    }
  });

  pane.addEventListener('keydown', (e) => {
    const t = e.target;
    if (t.matches('[data-test=comment-body]')) {
      if (mentions.key(e)) {
        e.preventDefault();
        return;
      }
      const mod = e.ctrlKey || e.metaKey;
      const shortcut = mod && !e.shiftKey && { b: 'bold', i: 'italic', k: 'link' }[e.key.toLowerCase()];
      if (shortcut) {
        e.preventDefault();
        format(shortcut);
      }
      return;
    }
    if (t.matches('[data-test=owner-filter]') && owners.key(e)) {
      e.preventDefault();
      return;
    }
    if (t.closest('[data-test=move-dialog]')) {
      if (moving.key(e)) e.preventDefault();
      return;
    }
    if (t.closest('[data-test=forward-dialog]')) {
      if (forwarding.key(e)) e.preventDefault();
      return;
    }
    if (t.closest('[data-test=more-menu]') && more.key(e)) {
      e.preventDefault();
      return;
    }
    if (tickets.key(e)) {
      e.preventDefault();
      return;
    }
    if (t.closest('[data-test=insert-options]') && insert.key(e)) {
      e.preventDefault();
      return;
    }
    if (t.closest('[role=tablist]') && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      const tabs = $$('[role=tab]', t.closest('[role=tablist]'));
      const next = tabs[(tabs.indexOf(t) + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      if (next?.dataset.mode) setMode(next.dataset.mode);
      else next?.click();
      next?.focus();
      e.preventDefault();
      return;
    }
    if (t.closest('.entry-menu') && e.key === 'Escape') {
      closeEntryMenus();
      $('[data-test=comment-actions]', t.closest('.entry-actions'))?.focus();
      e.preventDefault();
    }
  });

  pane.addEventListener('keyup', (e) => {
    if (e.target.matches('[data-test=comment-body]') && ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) {
      mentions.update();
    }
  });

  pane.addEventListener('focusin', (e) => {
    if (e.target.matches('[data-test=reply-body], [data-test=comment-body]')) presence.update();
  });
  pane.addEventListener('focusout', (e) => {
    if (e.target.matches('[data-test=reply-body], [data-test=comment-body]')) {
      // After the click that moved focus (a mention option) has been handled.
      setTimeout(() => {
        if (document.activeElement !== commentBox()) mentions.close();
        presence.update();
      }, 150);
    }
  });

  // Files pasted or dropped onto the comment box are attached.
  pane.addEventListener('paste', (e) => {
    if (!e.target.matches('[data-test=comment-body]')) return;
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) {
      e.preventDefault();
      upload(files);
    }
  });
  pane.addEventListener('dragover', (e) => {
    if (e.target.closest?.('[data-region=composer]') && e.dataTransfer?.types.includes('Files')) {
      e.preventDefault();
      composer()?.classList.add('is-dropping');
    }
  });
  pane.addEventListener('dragleave', (e) => {
    if (!e.relatedTarget || !composer()?.contains(e.relatedTarget)) composer()?.classList.remove('is-dropping');
  });
  pane.addEventListener('drop', (e) => {
    const form = e.target.closest?.('[data-region=composer]');
    if (!form || !e.dataTransfer?.files.length) return;
    e.preventDefault();
    form.classList.remove('is-dropping');
    upload([...e.dataTransfer.files]);
  });

  switcher?.addEventListener('click', () => setMenu(menu.hidden));
  menu?.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = $$('a', menu);
    const at = items.indexOf(document.activeElement);
    items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
  });
  document.addEventListener('click', (e) => {
    const t = e.target;
    if (menu && !menu.hidden && !t.closest('.switcher')) setMenu(false, { focus: false });
    if (!t.closest('.bell-wrap')) notifications.close();
    if (!t.closest('.owner')) owners.close();
    if (!t.closest('.more')) more.close();
    if (!t.closest('.insert')) insert.close();
    if (!t.closest('.entry-actions')) closeEntryMenus();
    if (!t.closest('.composer-editor')) mentions.close();
    if (t.closest('[data-action=shortcuts]')) openShortcuts();
    if (t.closest('[data-action=close-dialog]')) dialog.close();
    if (t.closest('[data-action=nav]')) app.classList.toggle('nav-open');
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });
  confirmBox?.addEventListener('click', (e) => {
    if (e.target === confirmBox) confirmBox.close('cancel');
  });

  window.addEventListener('popstate', () => {
    const c = new URL(location.href).searchParams.get('c');
    if (c && c !== page.openId) openConversation(c, { push: false, hash: location.hash });
    else if (c && location.hash) revealEntry(location.hash);
    else if (!c && page.openId) closeThread();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') presence.update({ force: true });
  });

  const contactPref = store.get('sb-contact-panel');
  if (contactPref === 'shown' || contactPref === 'hidden') app.dataset.contact = contactPref;

  renderShortcuts();
  afterThreadRender();
  renderChips();
  // The selection starts on the open conversation, else on the first row.
  const initial = rowById(page.openId) ?? rows()[0];
  if (initial) select(initial.dataset.id);
  if (page.openId && !revealEntry(location.hash)) scrollTimelineToEnd();
  setInterval(() => localizeTimes(document), MINUTE);
  realtime.connect();
  notifications.load();
}

// ---------------------------------------------------------------------------

function init() {
  initTheme();
  for (const button of $$('[data-test=logout]')) button.addEventListener('click', logout);
  const kind = document.body.dataset.page;
  if (kind === 'login') initLogin();
  if (kind === 'inbox') initInbox();
  localizeTimes(document);
}

init();
