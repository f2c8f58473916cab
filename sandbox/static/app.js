// Tangguh sandbox: a Telegram-like chat page over the sandbox's HTTP API (see the brief's contract).
// Plain JavaScript, no build step, nothing loaded from the internet.
"use strict";

(() => {
  const STATE_REFRESH_MS = 4000; // unread badges and the pretend clock
  const TOAST_MS = 3500;
  const SAME_ANSWER_MS = 4000; // a callback answer seen from both the press reply and the poll shows once
  const NEAR_BOTTOM_PX = 120;
  const COMMANDS = {
    kader: ["/survey", "/help", "/language"],
    coordinator: ["/progress", "/help"],
    agency: ["/digest", "/help", "/language"],
    admin: ["/progress", "/people", "/invite", "/import", "/template", "/digest preview", "/help"],
  };
  const EMPTY_HINTS = {
    kader: "Belum ada pesan. Tekan /survey di bawah untuk melihat keluarga yang Anda data.",
    agency: "Belum ada pesan. Tekan /digest untuk ringkasan instansi minggu ini, atau tombol "
      + "«Kirim ringkasan mingguan» di atas untuk melompat ke Senin pagi.",
    admin: "Belum ada pesan. Coba /progress, /people, atau /import untuk mengunggah daftar keluarga.",
  };
  const SAFE_LINK = /^(https?:|mailto:|tel:)/i;
  // Telegram apps turn bare addresses in a text into links; so does the page.
  const BARE_URL = /(?:\bhttps?:\/\/|\bt\.me\/)[^\s<>"'«»]*[^\s<>"'«».,;:!?)\]]/gi;

  const $ = (id) => document.getElementById(id);
  const el = {
    people: $("people"), picker: $("person-picker"), chat: $("chat"), name: $("chat-name"),
    role: $("chat-role"), avatar: $("chat-avatar"), clock: $("clock"), summary: $("time-summary"),
    messages: $("messages"), list: $("message-list"), empty: $("empty"), commands: $("commands"),
    form: $("composer-form"), composer: $("composer"), send: $("send"), upload: $("upload"),
    uploadInput: $("upload-input"), toast: $("toast"), alert: $("alert"), alertText: $("alert-text"),
    alertOk: $("alert-ok"), travel: [$("time-reminders"), $("time-digest")],
  };

  /** Everything the page knows; `chat` is the open conversation. */
  const state = { people: [], botUsername: "", currentId: null, chat: null, stateFailures: 0 };
  const recentAnswers = []; // {text, at}: callback answers already shown

  // ---------------------------------------------------------------- HTTP

  /** JSON from the sandbox; throws an Error carrying the server's Indonesian message. */
  async function api(path, options = {}) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("Server sandbox tidak bisa dihubungi. Apakah `python bot.py sandbox` masih berjalan?");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok || (body && body.ok === false)) {
      throw new Error((body && body.error) || `Server sandbox menjawab dengan kode ${response.status}.`);
    }
    return body;
  }

  function postJson(path, data) {
    return api(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
    });
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---------------------------------------------------------------- people and clock

  function initials(name) {
    const parts = String(name).trim().split(/\s+/).filter(Boolean);
    return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
  }

  function person(id) {
    return state.people.find((p) => p.id === id) || null;
  }

  async function refreshState() {
    const data = await api("/api/state");
    state.people = Array.isArray(data.people) ? data.people : [];
    state.botUsername = data.bot_username || "";
    setClock(data.clock_label);
    renderPeople();
    if (state.currentId === null || !person(state.currentId)) {
      const fromHash = Number((location.hash.match(/^#orang-(\d+)$/) || [])[1]);
      const first = person(fromHash) || state.people[0];
      if (first) selectPerson(first.id);
    }
  }

  async function keepStateFresh() {
    for (;;) {
      await sleep(STATE_REFRESH_MS);
      try {
        await refreshState();
        if (state.stateFailures > 0) toast("Tersambung lagi ke server sandbox.");
        state.stateFailures = 0;
      } catch (error) {
        state.stateFailures += 1;
        if (state.stateFailures === 1) toast(error.message, "error");
      }
    }
  }

  function setClock(label) {
    if (label) el.clock.textContent = label;
  }

  function renderPeople() {
    const seen = new Set();
    for (const p of state.people) {
      seen.add(String(p.id));
      let item = el.people.querySelector(`li[data-id="${p.id}"]`);
      if (!item) {
        item = document.createElement("li");
        item.dataset.id = p.id;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "person";
        button.dataset.testid = `person-${p.id}`;
        button.addEventListener("click", () => selectPerson(p.id));
        button.innerHTML = '<span class="avatar" aria-hidden="true"></span>'
          + '<span class="person-text"><span class="person-name"></span>'
          + '<span class="person-role"></span></span><span class="badge" hidden></span>';
        item.append(button);
        el.people.append(item);
      }
      const button = item.firstElementChild;
      button.dataset.role = p.role;
      button.querySelector(".avatar").textContent = initials(p.name);
      button.querySelector(".person-name").textContent = p.name;
      button.querySelector(".person-role").textContent = p.role_label;
      const badge = button.querySelector(".badge");
      const unread = p.id === state.currentId ? 0 : Number(p.unread) || 0;
      badge.hidden = unread === 0;
      badge.textContent = String(unread);
      badge.dataset.testid = `unread-${p.id}`;
      badge.setAttribute("aria-label", `${unread} pesan belum dibaca`);
      button.setAttribute("aria-current", p.id === state.currentId ? "true" : "false");
    }
    for (const item of [...el.people.children]) if (!seen.has(item.dataset.id)) item.remove();
    renderPicker();
  }

  function renderPicker() {
    const options = state.people.map((p) => {
      const unread = p.id === state.currentId ? 0 : Number(p.unread) || 0;
      return [String(p.id), `${p.name} · ${p.role_label}${unread ? ` (${unread} baru)` : ""}`];
    });
    const current = [...el.picker.options].map((o) => [o.value, o.textContent]);
    if (JSON.stringify(current) !== JSON.stringify(options)) {
      el.picker.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
    }
    if (state.currentId !== null) el.picker.value = String(state.currentId);
  }

  // ---------------------------------------------------------------- the open chat

  function selectPerson(id) {
    const who = person(id);
    if (!who || (state.chat && state.chat.userId === id)) return;
    if (state.chat) closeChat(state.chat);
    state.currentId = id;
    history.replaceState(null, "", `#orang-${id}`);
    el.name.textContent = who.name;
    el.role.textContent = who.role_label;
    el.avatar.textContent = initials(who.name);
    el.avatar.dataset.role = who.role;
    el.chat.dataset.person = String(id);
    el.chat.dataset.role = who.role;
    el.list.replaceChildren();
    el.empty.hidden = true;
    renderCommands(who.role);
    renderPeople();
    const chat = {
      userId: id, role: who.role, version: -1, nodes: new Map(), noticeSeq: null, busy: 0,
      closed: false, controller: new AbortController(), loaded: false,
    };
    state.chat = chat;
    setBusy(chat, 0);
    pollChat(chat);
  }

  function closeChat(chat) {
    chat.closed = true;
    chat.controller.abort();
  }

  /** Long poll: each answer carries the chat's version; ask again for anything newer. */
  async function pollChat(chat) {
    let failures = 0;
    while (!chat.closed) {
      const started = Date.now();
      try {
        const data = await api(`/api/chats/${chat.userId}?since=${chat.version}`,
          { signal: chat.controller.signal });
        if (chat.closed) return;
        failures = 0;
        const unchanged = data.version === chat.version;
        applyChat(chat, data);
        if (unchanged && Date.now() - started < 1000) await sleep(1000); // a server that does not wait
      } catch (error) {
        if (chat.closed) return;
        failures += 1;
        if (failures === 3) toast(error.message, "error");
        await sleep(Math.min(250 * 2 ** failures, 5000));
      }
    }
  }

  function applyChat(chat, data) {
    chat.version = data.version;
    el.chat.dataset.version = String(data.version);
    renderMessages(chat, Array.isArray(data.messages) ? data.messages : []);
    const notice = data.notice;
    if (notice && typeof notice.seq === "number") {
      if (chat.noticeSeq !== null && notice.seq > chat.noticeSeq) announce(notice);
      chat.noticeSeq = Math.max(chat.noticeSeq ?? notice.seq, notice.seq);
    } else if (chat.noticeSeq === null) {
      chat.noticeSeq = 0;
    }
    chat.loaded = true;
    const who = person(chat.userId);
    if (who && who.unread) {
      who.unread = 0;
      renderPeople();
    }
  }

  function renderMessages(chat, messages) {
    const stick = el.messages.scrollHeight - el.messages.scrollTop - el.messages.clientHeight < NEAR_BOTTOM_PX;
    const wanted = new Set();
    let previous = null;
    let grew = false;
    for (const message of messages) {
      wanted.add(message.id);
      const signature = JSON.stringify(message);
      let node = chat.nodes.get(message.id);
      if (!node) {
        node = { element: buildMessage(message), signature };
        chat.nodes.set(message.id, node);
        grew = true;
      } else if (node.signature !== signature) {
        const fresh = buildMessage(message);
        node.element.replaceWith(fresh);
        node.element = fresh;
        node.signature = signature;
        if (chat.loaded) flash(fresh);
      }
      const expectedNext = previous ? previous.nextElementSibling : el.list.firstElementChild;
      if (expectedNext !== node.element) {
        if (previous) previous.after(node.element);
        else el.list.prepend(node.element);
      }
      previous = node.element;
    }
    for (const [id, node] of chat.nodes) {
      if (!wanted.has(id)) {
        node.element.remove();
        chat.nodes.delete(id);
      }
    }
    el.empty.hidden = messages.length > 0;
    if (!messages.length) el.empty.textContent = EMPTY_HINTS[chat.role] || "Belum ada pesan. Ketik /help.";
    if (stick || (grew && !chat.loaded)) scrollToBottom();
    else if (grew) scrollToBottom(true);
  }

  function scrollToBottom(smooth = false) {
    el.messages.scrollTo({ top: el.messages.scrollHeight, behavior: smooth ? "smooth" : "auto" });
  }

  function flash(element) {
    element.classList.remove("flash");
    void element.offsetWidth; // restart the animation
    element.classList.add("flash");
  }

  /** "07.30" from an ISO time as the server wrote it (the sandbox's own clock, not the browser's). */
  function clockTime(iso) {
    const match = /T(\d{2}):(\d{2})/.exec(String(iso || ""));
    return match ? `${match[1]}.${match[2]}` : "";
  }

  function deepLinkPayload(url) {
    if (!state.botUsername) return null;
    let parsed;
    try {
      parsed = new URL(url, location.href);
    } catch {
      return null;
    }
    const bot = state.botUsername.toLowerCase();
    let name;
    if (parsed.protocol === "tg:") { // tg://resolve?domain=<bot>&start=<payload>
      name = parsed.hostname.toLowerCase() === "resolve" ? parsed.searchParams.get("domain") || "" : "";
    } else if (["t.me", "telegram.me", "www.t.me"].includes(parsed.hostname.toLowerCase())) {
      name = parsed.pathname.replace(/^\/|\/$/g, "");
    } else {
      return null;
    }
    if (name.toLowerCase() !== bot) return null;
    const payload = parsed.searchParams.get("start");
    return payload !== null && /^[A-Za-z0-9_-]{0,64}$/.test(payload) ? payload : null;
  }

  function buildMessage(message) {
    const from = message.from === "user" ? "user" : "bot";
    const article = document.createElement("article");
    article.className = `msg ${from}`;
    article.dataset.testid = `message-${message.id}`;
    article.dataset.messageId = String(message.id);
    article.dataset.from = from;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    article.append(bubble);

    if (message.photo) {
      const link = document.createElement("a");
      link.className = "photo";
      link.href = message.photo;
      link.target = "_blank";
      link.rel = "noopener";
      link.title = "Buka gambar ukuran penuh";
      const image = document.createElement("img");
      image.src = message.photo;
      image.alt = "Gambar dari Tangguh";
      image.dataset.testid = "photo";
      image.addEventListener("load", () => {
        if (el.messages.scrollHeight - el.messages.scrollTop - el.messages.clientHeight
          < NEAR_BOTTOM_PX + image.clientHeight) scrollToBottom();
      });
      link.append(image);
      bubble.append(link);
      article.classList.add("has-photo");
    }
    if (message.document && message.document.url) {
      const link = document.createElement("a");
      link.className = "document";
      link.href = message.document.url;
      link.download = message.document.name || "";
      link.dataset.testid = "document";
      link.innerHTML = '<span class="doc-icon" aria-hidden="true">📄</span>'
        + '<span class="doc-text"><span class="doc-name"></span><span class="doc-hint">Unduh berkas</span></span>';
      link.querySelector(".doc-name").textContent = message.document.name || "berkas";
      bubble.append(link);
    }
    if (message.html) {
      const text = document.createElement("div");
      text.className = "text";
      text.innerHTML = message.html; // re-serialised and escaped by the server (contract)
      linkify(text);
      for (const link of text.querySelectorAll("a")) {
        const href = link.getAttribute("href") || "";
        const payload = deepLinkPayload(href);
        if (payload !== null) {
          link.dataset.start = payload;
          link.title = "Buka tautan ini di sandbox";
        } else if (SAFE_LINK.test(href)) {
          link.target = "_blank";
          link.rel = "noopener noreferrer";
        } else {
          link.removeAttribute("href");
        }
      }
      bubble.append(text);
    }

    const meta = document.createElement("div");
    meta.className = "meta";
    if (message.edited) {
      const edited = document.createElement("span");
      edited.className = "edited";
      edited.dataset.testid = "edited";
      edited.textContent = "diedit";
      meta.append(edited);
    }
    const time = document.createElement("time");
    time.dateTime = message.date || "";
    time.textContent = clockTime(message.date);
    meta.append(time);
    bubble.append(meta);

    if (Array.isArray(message.keyboard) && message.keyboard.length) {
      article.append(buildKeyboard(message));
    }
    return article;
  }

  /** Bare addresses in the text nodes of `root` (outside links and code) become links. */
  function linkify(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest("a, code, pre")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const text = node.nodeValue;
      const parts = [];
      let last = 0;
      for (const match of text.matchAll(BARE_URL)) {
        if (match.index > last) parts.push(text.slice(last, match.index));
        const link = document.createElement("a");
        link.href = /^https?:/i.test(match[0]) ? match[0] : `https://${match[0]}`;
        link.textContent = match[0];
        parts.push(link);
        last = match.index + match[0].length;
      }
      if (!parts.length) continue;
      if (last < text.length) parts.push(text.slice(last));
      node.replaceWith(...parts);
    }
  }

  function buildKeyboard(message) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    keyboard.setAttribute("role", "group");
    keyboard.setAttribute("aria-label", "Tombol pesan");
    for (const row of message.keyboard) {
      const line = document.createElement("div");
      line.className = "kb-row";
      for (const key of row || []) {
        const label = String(key.text ?? "");
        let control;
        if (typeof key.data === "string") {
          control = document.createElement("button");
          control.type = "button";
          control.dataset.data = key.data;
          control.dataset.messageId = String(message.id);
        } else if (typeof key.url === "string" && deepLinkPayload(key.url) !== null) {
          control = document.createElement("button");
          control.type = "button";
          control.dataset.start = deepLinkPayload(key.url);
          control.title = "Buka tautan ini di sandbox";
        } else if (typeof key.url === "string" && SAFE_LINK.test(key.url)) {
          control = document.createElement("a");
          control.href = key.url;
          control.target = "_blank";
          control.rel = "noopener noreferrer";
          control.classList.add("url");
        } else {
          control = document.createElement("button");
          control.type = "button";
          control.disabled = true;
          control.title = "Jenis tombol ini tidak didukung sandbox";
        }
        control.classList.add("kb");
        control.dataset.testid = "kb-button";
        control.textContent = label;
        line.append(control);
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  // ---------------------------------------------------------------- actions

  function setBusy(chat, delta) {
    chat.busy = Math.max(0, chat.busy + delta);
    if (state.chat === chat) el.chat.dataset.busy = chat.busy > 0 ? "true" : "false";
  }

  async function act(run) {
    const chat = state.chat;
    if (!chat) return;
    setBusy(chat, +1);
    try {
      await run(chat);
    } catch (error) {
      if (error.name !== "AbortError") toast(error.message, "error");
    } finally {
      setBusy(chat, -1);
    }
  }

  function sendText(text) {
    return act(async (chat) => {
      await postJson(`/api/chats/${chat.userId}/text`, { text });
    });
  }

  function press(messageId, data, control) {
    if (control.classList.contains("pressed")) return Promise.resolve(); // a double tap
    control.classList.add("pressed");
    control.setAttribute("aria-busy", "true");
    return act(async (chat) => {
      try {
        const reply = await postJson(`/api/chats/${chat.userId}/press`, { message_id: messageId, data });
        if (reply && reply.answer) announce(reply.answer);
      } finally {
        control.classList.remove("pressed");
        control.removeAttribute("aria-busy");
      }
    });
  }

  function upload(file) {
    return act(async (chat) => {
      const form = new FormData();
      form.append("file", file, file.name);
      toast(`Mengirim berkas ${file.name}…`);
      await api(`/api/chats/${chat.userId}/upload`, { method: "POST", body: form });
      hideToast();
    });
  }

  async function travel(action, button) {
    for (const b of el.travel) b.disabled = true;
    button.setAttribute("aria-busy", "true");
    el.summary.hidden = false;
    el.summary.classList.remove("error");
    el.summary.textContent = "Memajukan jam sandbox dan menjalankan jadwal…";
    el.summary.dataset.state = "running";
    try {
      const reply = await postJson("/api/time", { action });
      setClock(reply.clock_label);
      el.summary.textContent = reply.summary || "Selesai.";
      el.summary.dataset.state = "done";
      await refreshState().catch(() => undefined);
    } catch (error) {
      el.summary.textContent = error.message;
      el.summary.classList.add("error");
      el.summary.dataset.state = "error";
    } finally {
      for (const b of el.travel) b.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  function renderCommands(role) {
    el.commands.replaceChildren(...(COMMANDS[role] || ["/help"]).map((command) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = command;
      chip.dataset.testid = `command-${command.slice(1).replace(/\s+/g, "-")}`;
      chip.addEventListener("click", () => sendText(command));
      return chip;
    }));
  }

  // ---------------------------------------------------------------- toast and alert

  let toastTimer = null;
  function toast(text, kind = "info") {
    el.toast.textContent = text;
    el.toast.dataset.kind = kind;
    el.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(hideToast, TOAST_MS + Math.min(text.length * 30, 4000));
  }

  function hideToast() {
    clearTimeout(toastTimer);
    el.toast.hidden = true;
  }

  let alertReturnFocus = null;
  function showAlert(text) {
    alertReturnFocus = document.activeElement;
    el.alertText.textContent = text;
    el.alert.hidden = false;
    el.alertOk.focus();
  }

  function closeAlert() {
    el.alert.hidden = true;
    if (alertReturnFocus && typeof alertReturnFocus.focus === "function") alertReturnFocus.focus();
  }

  /** A callback answer: an alert is a box to dismiss, a notice a toast; each shown once. */
  function announce(answer) {
    if (!answer || !answer.text) return;
    const now = Date.now();
    while (recentAnswers.length && now - recentAnswers[0].at > SAME_ANSWER_MS) recentAnswers.shift();
    if (recentAnswers.some((seen) => seen.text === answer.text)) return;
    recentAnswers.push({ text: answer.text, at: now });
    if (answer.alert) showAlert(answer.text);
    else toast(answer.text);
  }

  // ---------------------------------------------------------------- wiring

  el.list.addEventListener("click", (event) => {
    const control = event.target.closest("[data-start], button[data-data]");
    if (!control || !el.list.contains(control)) return;
    event.preventDefault();
    if (control.dataset.start !== undefined) {
      const payload = control.dataset.start;
      sendText(payload ? `/start ${payload}` : "/start");
    } else {
      press(Number(control.dataset.messageId), control.dataset.data, control);
    }
  });

  el.list.addEventListener("click", (event) => {
    const spoiler = event.target.closest("tg-spoiler, .tg-spoiler");
    if (spoiler) spoiler.classList.add("revealed");
  });

  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el.composer.value.trim();
    if (!text || !state.chat) return;
    el.composer.value = "";
    sendText(text);
  });

  el.upload.addEventListener("click", () => el.uploadInput.click());
  el.uploadInput.addEventListener("change", () => {
    const [file] = el.uploadInput.files || [];
    if (file) upload(file).finally(() => { el.uploadInput.value = ""; });
  });

  el.picker.addEventListener("change", () => selectPerson(Number(el.picker.value)));
  for (const button of el.travel) {
    button.addEventListener("click", () => travel(button.dataset.action, button));
  }

  el.toast.addEventListener("click", hideToast);
  el.alertOk.addEventListener("click", closeAlert);
  el.alert.addEventListener("click", (event) => { if (event.target === el.alert) closeAlert(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !el.alert.hidden) closeAlert();
  });
  window.addEventListener("hashchange", () => {
    const id = Number((location.hash.match(/^#orang-(\d+)$/) || [])[1]);
    if (person(id)) selectPerson(id);
  });

  refreshState().catch((error) => {
    el.name.textContent = "Tidak tersambung";
    toast(error.message, "error");
  }).finally(keepStateFresh);
})();
