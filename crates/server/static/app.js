// Switchboard's browser code: one ES module, no framework, no build step.
//
// The server renders every page and fragment (askama templates); this module only
// swaps fragments in, talks to the JSON API for writes, follows the realtime
// WebSocket, and adds the keyboard. Every shortcut lives in SHORTCUTS below: the
// keyboard handler and the `?` dialog are both built from that one array.
//
// Nothing here builds HTML from data: fragments come from the server (escaped there)
// and text is set with textContent.

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
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
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
  const message = data?.error?.message ?? `Request failed (${res.status})`;
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

  const page = {
    inboxId: body.dataset.inboxId,
    userId: body.dataset.userId,
    view: body.dataset.view || 'all',
    q: body.dataset.q || '',
    openId: body.dataset.conversationId || null,
    selectedId: null,
  };
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

  const replyBox = () => $('[data-test=reply-body]', pane);

  function saveDraft() {
    const box = replyBox();
    if (!page.openId || !box) return;
    if (box.value) drafts.set(page.openId, box.value);
    else drafts.delete(page.openId);
  }

  function restoreDraft() {
    const box = replyBox();
    if (box) {
      box.value = drafts.get(page.openId) ?? '';
      autosize(box);
    }
  }

  function autosize(box) {
    box.style.height = 'auto';
    box.style.height = `${Math.min(box.scrollHeight + 2, Math.round(window.innerHeight * 0.4))}px`;
  }

  function afterThreadRender() {
    localizeTimes(pane);
    for (const kbd of $$('kbd[data-mod]', pane)) kbd.textContent = isMac ? '⌘' : 'Ctrl';
  }

  function scrollTimelineToEnd() {
    const timeline = $('.timeline', pane);
    if (timeline) timeline.scrollTop = timeline.scrollHeight;
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

  function urlWith(c) {
    const url = new URL(location.href);
    if (c) url.searchParams.set('c', c);
    else url.searchParams.delete('c');
    return url.pathname + url.search;
  }

  function setOpen(id) {
    const previous = page.openId;
    page.openId = id;
    if (id) body.dataset.conversationId = id;
    else delete body.dataset.conversationId;
    realtime.follow(previous, id);
    markOpenRow();
    syncLinks();
  }

  let openSeq = 0;
  async function openConversation(id, { push = true } = {}) {
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
    scrollTimelineToEnd();
    if (push && new URL(location.href).searchParams.get('c') !== id) {
      history.pushState({ c: id }, '', urlWith(id));
    }
  }

  function closeThread() {
    saveDraft();
    const empty = $('#thread-empty-template');
    pane.replaceChildren(empty ? empty.content.cloneNode(true) : '');
    setOpen(null);
  }

  let threadSeq = 0;
  /** Re-renders the open thread in place, keeping the reply box (its text, focus, caret). */
  async function refreshThread() {
    const id = page.openId;
    if (!id) return;
    const seq = ++threadSeq;
    let html;
    try {
      html = await fetchFragment(`/ui/conversations/${encodeURIComponent(id)}/thread`);
    } catch (err) {
      if (err.status === 404 && id === page.openId) {
        toast('This conversation is no longer visible to you.', { error: true });
      }
      return;
    }
    if (seq !== threadSeq || id !== page.openId) return;
    const next = document.createElement('template');
    next.innerHTML = html;
    const timeline = $('.timeline', pane);
    const atEnd = !timeline || timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 64;
    const keptTop = timeline?.scrollTop ?? 0;
    const regions = ['head', 'timeline', 'contact'];
    const swappable = regions.every((r) => $(`[data-region=${r}]`, pane) && $(`[data-region=${r}]`, next.content));
    if (!swappable || !$('[data-region=composer]', pane)) {
      saveDraft();
      pane.innerHTML = html;
      restoreDraft();
    } else {
      for (const r of regions) $(`[data-region=${r}]`, pane).replaceWith($(`[data-region=${r}]`, next.content));
      const root = $('[data-test=thread]', pane);
      const nextRoot = $('[data-test=thread]', next.content);
      if (root && nextRoot) root.dataset.status = nextRoot.dataset.status;
    }
    afterThreadRender();
    const fresh = $('.timeline', pane);
    if (fresh) fresh.scrollTop = atEnd ? fresh.scrollHeight : keptTop;
  }

  async function sendReply(form) {
    const box = $('[data-test=reply-body]', form);
    const button = $('[data-test=reply-send]', form);
    const error = $('[data-test=reply-error]', form);
    const id = page.openId;
    if (!id || !box || button.disabled) return;
    button.disabled = true;
    error.hidden = true;
    const res = await api('POST', `/api/v1/conversations/${encodeURIComponent(id)}/replies`, { body: box.value });
    button.disabled = false;
    if (!res.ok) {
      error.textContent = res.message;
      error.hidden = false;
      box.focus();
      return;
    }
    if (id !== page.openId) return;
    box.value = '';
    autosize(box);
    drafts.delete(id);
    await refreshThread();
    scrollTimelineToEnd();
    scheduleListRefresh();
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

  // ----- Realtime -----

  const connection = $('#connection');
  const realtime = (() => {
    let socket = null;
    let attempt = 0;
    let missed = false;
    let leaving = false;
    let ping = null;
    const send = (frame) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    };
    const topics = () => [
      `inbox:${page.inboxId}`,
      `user:${page.userId}`,
      ...(page.openId ? [`conversation:${page.openId}`] : []),
    ];

    function onFrame(frame) {
      if (frame?.type !== 'event' || !frame.event) return;
      const event = frame.event;
      if (event.type === 'notification_created') return; // the notifications panel is not built yet
      const inboxEvent = frame.topic === `inbox:${page.inboxId}` || String(event.inbox_id) === page.inboxId;
      if (inboxEvent) scheduleListRefresh();
      const aboutOpen = event.conversation_id != null && String(event.conversation_id) === page.openId;
      if (aboutOpen && (event.type === 'entry_created' || event.type === 'conversation_updated')) {
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
        if (missed) {
          // Events may have been lost while disconnected: catch up once.
          missed = false;
          refreshList();
          refreshCounts();
          refreshThread();
        }
      });
      socket.addEventListener('message', (m) => {
        try {
          onFrame(JSON.parse(m.data));
        } catch {
          // Ignore frames that are not JSON.
        }
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
      leaving = true;
    });

    return {
      connect,
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
        const box = replyBox();
        if (!box) return false;
        box.focus();
        return true;
      },
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
      description: 'Send the reply',
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
    const mod = e.ctrlKey || e.metaKey;
    const typing = isTyping(e.target);
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
    if (e.target.matches('[data-region=composer]')) {
      e.preventDefault();
      sendReply(e.target);
    }
  });
  pane.addEventListener('click', (e) => {
    const status = e.target.closest('[data-action=set-status]');
    if (status) setStatus(status);
    if (e.target.closest('[data-action=toggle-contact]')) toggleContact();
  });
  pane.addEventListener('input', (e) => {
    if (e.target.matches('[data-test=reply-body]')) {
      autosize(e.target);
      const error = $('[data-test=reply-error]', pane);
      if (error) error.hidden = true;
    }
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
    if (menu && !menu.hidden && !e.target.closest('.switcher')) setMenu(false, { focus: false });
    if (e.target.closest('[data-action=shortcuts]')) openShortcuts();
    if (e.target.closest('[data-action=close-dialog]')) dialog.close();
    if (e.target.closest('[data-action=nav]')) app.classList.toggle('nav-open');
  });
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });

  window.addEventListener('popstate', () => {
    const c = new URL(location.href).searchParams.get('c');
    if (c && c !== page.openId) openConversation(c, { push: false });
    else if (!c && page.openId) closeThread();
  });

  const contactPref = store.get('sb-contact-panel');
  if (contactPref === 'shown' || contactPref === 'hidden') app.dataset.contact = contactPref;

  renderShortcuts();
  afterThreadRender();
  // The selection starts on the open conversation, else on the first row.
  const initial = rowById(page.openId) ?? rows()[0];
  if (initial) select(initial.dataset.id);
  if (page.openId) scrollTimelineToEnd();
  setInterval(() => localizeTimes(document), MINUTE);
  realtime.connect();
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
