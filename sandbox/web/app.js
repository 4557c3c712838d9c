// teamloop sandbox: a small Slack-like client for the local workspace. It polls /ui/state and
// posts what the person does; the bot only ever sees Slack-shaped, signed requests.
"use strict";

const state = { user: localStorage.getItem("tl-user") || "U0ALICE", channel: "C0PRODUCT", view: "channel",
                thread: null, data: null, modalId: null, modalHash: null, sig: "" };
const $ = (sel) => document.querySelector(sel);
const COLORS = ["#e8912d", "#2bac76", "#4a154b", "#1264a3", "#e01e5a", "#36c5f0", "#611f69"];
const EMOJI = { bulb: "💡", speech_balloon: "💬", construction: "🚧", palm_tree: "🌴",
  face_with_thermometer: "🤒", white_check_mark: "✅", warning: "⚠️", tada: "🎉", thumbsup: "👍",
  "+1": "👍", eyes: "👀", rocket: "🚀", calendar: "📅", fire: "🔥", memo: "📝", mag: "🔍",
  link: "🔗" };
const CAPTURES = [["bulb", "Capture as requirement"], ["speech_balloon", "Capture as feedback"],
                  ["construction", "Capture as blocker"]];
const SHORTCUTS = [["capture_requirement", "Capture requirement"], ["capture_feedback", "Capture feedback"],
                   ["capture_blocker", "Report blocker"]];

// -- talking to the sandbox ---------------------------------------------------------------
async function post(path, body) {
  const res = await fetch("/ui/" + path, { method: "POST", headers: { "Content-Type": "application/json" },
                                          body: JSON.stringify(Object.assign({ user: state.user }, body)) });
  const data = await answer(res, path);
  if (data.error) toast(data.error);
  if (data.notice) toast(data.notice);
  await refresh();
  return data;
}

// Whatever the server answers (a proxy's HTML page, an empty 500), the page says something short.
async function answer(res, path) {
  const text = await res.text();
  try { return JSON.parse(text); } catch (e) { return { error: `${path} failed (${res.status}). Try again.` }; }
}

async function refresh() {
  const channel = state.view === "dm" ? dmId() : state.channel;
  const q = new URLSearchParams({ user: state.user, channel });
  if (state.thread) q.set("thread", state.thread);
  const res = await fetch("/ui/state?" + q.toString());
  const data = await answer(res, "refresh");
  if (data.error) { toast(data.error); return; }
  state.data = data;
  render();
}

function dmId() { return "D" + state.user.slice(1); }

function toast(text) {
  const el = $("#toast");
  el.textContent = text; el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

// -- text ---------------------------------------------------------------------------------
function esc(s) {
  return String(s ?? "").replace(/&(?!(amp|lt|gt);)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
function userName(id) {
  if (id === "USLACKBOT") return "Slackbot";
  const u = (state.data?.users || []).find((x) => x.id === id);
  return u ? u.name : id;
}
function channelName(id) {
  const c = (state.data?.channels || []).find((x) => x.id === id);
  return c ? c.name : id;
}
function emoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

// Slack mrkdwn to HTML. Slack's own escapes (&amp; &lt; &gt;) arrive escaped already.
function mrkdwn(src) {
  let s = String(src ?? "").replace(/&(?!(amp|lt|gt);)/g, "&amp;").replace(/<(?![@#!]|https?:|mailto:)/g, "&lt;");
  const codes = [];
  s = s.replace(/```([\s\S]*?)```/g, (m, c) => { codes.push("<pre>" + c + "</pre>"); return "\u0000" + (codes.length - 1) + "\u0000"; });
  s = s.replace(/`([^`\n]+)`/g, (m, c) => { codes.push("<code>" + c + "</code>"); return "\u0000" + (codes.length - 1) + "\u0000"; });
  s = s.replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (m, id) => `<span class="mention">@${esc(userName(id))}</span>`);
  s = s.replace(/<#([CDG][A-Z0-9]+)(?:\|([^>]*))?>/g, (m, id, name) => `<span class="mention">#${esc(name || channelName(id))}</span>`);
  s = s.replace(/<!date\^(\d+)\^[^|>]*\|([^>]*)>/g, (m, t) => esc(new Date(Number(t) * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })));
  s = s.replace(/<!(here|channel|everyone)>/g, (m, w) => `<span class="mention">@${w}</span>`);
  s = s.replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, (m, url, text) => `<a href="${url}" target="_blank" rel="noopener">${text}</a>`);
  s = s.replace(/<((?:https?|mailto):[^>]+)>/g, (m, url) => `<a href="${url}" target="_blank" rel="noopener">${url}</a>`);
  s = s.replace(/(^|[\s(>])\*([^*\n]+)\*(?=[\s).,:;!?<]|$)/g, "$1<b>$2</b>");
  s = s.replace(/(^|[\s(>])_([^_\n]+)_(?=[\s).,:;!?<]|$)/g, "$1<i>$2</i>");
  s = s.replace(/(^|[\s(>])~([^~\n]+)~(?=[\s).,:;!?<]|$)/g, "$1<s>$2</s>");
  s = s.replace(/^(?:&gt;|>) ?(.*)$/gm, "<blockquote>$1</blockquote>");
  s = emoji(s).replace(/\n/g, "<br>");
  return s.replace(/\u0000(\d+)\u0000/g, (m, i) => codes[Number(i)]);
}
function textObj(t) {
  if (!t) return "";
  return t.type === "mrkdwn" ? mrkdwn(t.text) : esc(emoji(t.text));
}

// -- Block Kit ----------------------------------------------------------------------------
function element(el, ctx) {
  if (el.type === "button") {
    const b = document.createElement("button");
    b.type = "button"; b.className = "btn" + (el.style ? " " + el.style : "");
    b.textContent = emoji(el.text.text);
    b.onclick = () => act(ctx, el.action_id, { value: el.value });
    return b;
  }
  if (el.type === "static_select" || el.type === "users_select") {
    const s = document.createElement("select");
    s.className = "bk-select";
    s.innerHTML = `<option value="">${esc(el.placeholder?.text || "Choose…")}</option>` + options(el);
    s.onchange = () => act(ctx, el.action_id, { selected: s.value });
    return s;
  }
  if (el.type === "image") {
    const img = document.createElement("img");
    img.src = el.image_url; img.alt = el.alt_text || ""; return img;
  }
  const span = document.createElement("span");
  span.innerHTML = textObj(el);
  return span;
}
function options(el) {
  if (el.type === "users_select" || el.type === "multi_users_select") {
    return (state.data.users || []).filter((u) => !u.is_bot).map((u) => `<option value="${u.id}">${esc(u.name)}</option>`).join("");
  }
  return (el.options || []).map((o) => `<option value="${esc(o.value)}">${esc(emoji(o.text.text))}</option>`).join("");
}

function blocks(list, ctx) {
  const box = document.createElement("div");
  for (const b of list || []) {
    const div = document.createElement("div");
    if (b.type === "header") { div.className = "bk-header"; div.innerHTML = textObj(b.text); }
    else if (b.type === "section") {
      div.className = "bk-section";
      const t = document.createElement("div"); t.className = "bk-text";
      if (b.text) t.innerHTML = textObj(b.text);
      if (b.fields) {
        const f = document.createElement("div"); f.className = "bk-fields";
        f.innerHTML = b.fields.map((x) => `<div>${textObj(x)}</div>`).join("");
        t.appendChild(f);
      }
      div.appendChild(t);
      if (b.accessory) div.appendChild(element(b.accessory, ctx));
    } else if (b.type === "context") {
      div.className = "bk-context";
      for (const e of b.elements || []) div.appendChild(element(e, ctx));
    } else if (b.type === "divider") { div.innerHTML = '<hr class="bk-divider">'; }
    else if (b.type === "image") {
      div.className = "bk-image";
      div.innerHTML = `<img src="${esc(b.image_url)}" alt="${esc(b.alt_text || "")}">`;
    } else if (b.type === "rich_text") { // what a person typed, as Slack's clients send it
      const words = [], walk = (n) => { if (n.type === "text" || n.type === "link") words.push(n.text || n.url || ""); (n.elements || []).forEach(walk); };
      walk(b); div.className = "bk-section";
      div.innerHTML = `<div class="bk-text">${esc(words.join("")).replace(/\n/g, "<br>")}</div>`;
    } else if (b.type === "actions") {
      div.className = "bk-actions";
      for (const e of b.elements || []) div.appendChild(element(e, ctx));
    } else continue;
    box.appendChild(div);
  }
  return box;
}

// -- messages -----------------------------------------------------------------------------
function avatar(id) {
  const d = document.createElement("div");
  d.className = "avatar";
  const name = id === state.data.bot ? "teamloop" : userName(id || "?");
  d.style.background = id === state.data.bot ? "#4a154b" : COLORS[[...id].reduce((a, c) => a + c.charCodeAt(0), 0) % COLORS.length];
  d.textContent = id === state.data.bot ? "tl" : name.slice(0, 1).toUpperCase();
  return d;
}
function when(ts) {
  return new Date(Number(ts) * 1000).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
}

function message(m, channel, inThread) {
  const row = document.createElement("div");
  row.className = "msg" + (m.ephemeral ? " ephemeral" : "");
  row.dataset.ts = m.ts;
  row.appendChild(avatar(m.user));
  const body = document.createElement("div"); body.className = "body";
  const isBot = m.user === state.data.bot;
  body.innerHTML = `<span class="who">${esc(isBot ? "teamloop" : userName(m.user))}</span>` +
    (isBot ? '<span class="app-tag">APP</span>' : "") + `<span class="when">${when(m.ts)}</span>`;
  const ctx = { channel, ts: m.ts, ephemeral: !!m.ephemeral };
  if (m.blocks && m.blocks.length) body.appendChild(blocks(m.blocks, ctx));
  else { const t = document.createElement("div"); t.className = "text"; t.innerHTML = mrkdwn(m.text); body.appendChild(t); }
  for (const f of m.files || []) {
    const d = document.createElement("div"); d.className = "file";
    d.innerHTML = `<div class="file-title">${esc(f.title || f.name)}</div><img src="${f.url}" alt="${esc(f.title || f.name)}">`;
    body.appendChild(d);
  }
  if (m.ephemeral) body.insertAdjacentHTML("beforeend", '<div class="only-you">👁 Only visible to you</div>');
  if (m.reactions) {
    const r = document.createElement("div"); r.className = "reactions";
    r.innerHTML = Object.entries(m.reactions).map(([k, who]) => `<span class="reaction">${EMOJI[k] || ":" + k + ":"} ${who.length}</span>`).join("");
    body.appendChild(r);
  }
  if (!inThread && m.reply_count) {
    const r = document.createElement("div"); r.className = "replies";
    r.textContent = `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`;
    r.onclick = () => { state.thread = m.ts; refresh(); };
    body.appendChild(r);
  }
  row.appendChild(body);
  if (!m.ephemeral) row.appendChild(hoverActions(m, channel, inThread));
  return row;
}

function hoverActions(m, channel, inThread) {
  const bar = document.createElement("div"); bar.className = "hover-actions";
  for (const [name, label] of CAPTURES) {
    const b = document.createElement("button"); b.type = "button"; b.title = label; b.textContent = EMOJI[name];
    b.dataset.react = name;
    b.onclick = () => post("react", { channel, ts: m.ts, emoji: name });
    bar.appendChild(b);
  }
  if (!inThread) {
    const t = document.createElement("button"); t.type = "button"; t.title = "Reply in thread"; t.textContent = "💭";
    t.onclick = () => { state.thread = m.ts; refresh(); };
    bar.appendChild(t);
  }
  const more = document.createElement("button"); more.type = "button"; more.title = "More actions"; more.textContent = "⋯";
  more.dataset.more = "1";
  more.onclick = (ev) => {
    ev.stopPropagation();
    document.querySelectorAll(".menu").forEach((x) => x.remove());
    const menu = document.createElement("div"); menu.className = "menu";
    for (const [id, label] of SHORTCUTS) {
      const item = document.createElement("button"); item.type = "button"; item.textContent = label;
      item.onclick = () => { menu.remove(); post("shortcut", { channel, ts: m.ts, callback_id: id }); };
      menu.appendChild(item);
    }
    bar.parentElement.appendChild(menu);
  };
  bar.appendChild(more);
  return bar;
}

async function act(ctx, actionId, extra) {
  await post("action", Object.assign({ channel: ctx.channel || "", ts: ctx.ts || "0", action_id: actionId,
                                       ephemeral: ctx.ephemeral, home: !!ctx.home }, extra));
}

// -- modal --------------------------------------------------------------------------------
function renderModal(view) {
  const back = $("#modal-backdrop");
  if (!view) { back.hidden = true; state.modalId = null; state.modalHash = null; return; }
  if (state.modalId === view.id && state.modalHash === view.hash) return; // keep what is typed
  state.modalId = view.id; state.modalHash = view.hash;
  const form = $("#modal");
  form.innerHTML = "";
  form.insertAdjacentHTML("beforeend", `<div class="modal-head"><span>${esc(view.title?.text || "")}</span><button type="button" class="x" aria-label="Close">✕</button></div>`);
  const body = document.createElement("div"); body.className = "modal-body";
  for (const b of view.blocks || []) {
    if (b.type !== "input") { body.appendChild(blocks([b], { channel: "", ts: "0" })); continue; }
    body.appendChild(inputBlock(b));
  }
  form.appendChild(body);
  form.insertAdjacentHTML("beforeend", `<div class="modal-foot"><button type="button" class="btn cancel">${esc(view.close?.text || "Cancel")}</button>` +
    (view.submit ? `<button type="submit" class="btn primary">${esc(view.submit.text)}</button>` : "") + "</div>");
  form.querySelector(".x").onclick = form.querySelector(".cancel").onclick = () => post("close", { view_id: view.id });
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const res = await fetch("/ui/submit", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: state.user, view_id: view.id, values: collect(view) }) });
    const data = await answer(res, "submit");
    form.querySelectorAll(".field-error").forEach((e) => e.remove());
    form.querySelectorAll(".has-error").forEach((e) => e.classList.remove("has-error"));
    if (data.errors) {
      for (const [blockId, text] of Object.entries(data.errors)) {
        const el = form.querySelector(`[data-block="${blockId}"]`);
        if (!el) { toast(text); continue; }
        el.classList.add("has-error");
        el.insertAdjacentHTML("beforeend", `<div class="field-error">${esc(text)}</div>`);
      }
      return;
    }
    if (data.error) toast(data.error);
    state.modalId = null;
    await refresh();
  };
  back.hidden = false;
}

function inputBlock(b) {
  const el = b.element, wrap = document.createElement("div");
  wrap.className = "input-block"; wrap.dataset.block = b.block_id;
  const id = "f-" + b.block_id;
  wrap.innerHTML = `<label class="lbl" for="${id}">${esc(b.label.text)}${b.optional ? ' <span class="optional">(optional)</span>' : ""}</label>`;
  let field;
  if (el.type === "plain_text_input") {
    field = document.createElement(el.multiline ? "textarea" : "input");
    if (!el.multiline) field.type = "text";
    field.value = el.initial_value || "";
    field.placeholder = el.placeholder?.text || "";
  } else if (el.type === "static_select" || el.type === "users_select") {
    field = document.createElement("select");
    field.innerHTML = `<option value="">${esc(el.placeholder?.text || "Choose…")}</option>` + options(el);
    field.value = el.initial_option?.value || el.initial_user || "";
  } else if (el.type === "multi_users_select" || el.type === "multi_static_select") {
    field = document.createElement("select"); field.multiple = true; field.size = 5;
    field.innerHTML = options(el);
    for (const o of field.options) o.selected = (el.initial_users || []).includes(o.value);
  } else if (el.type === "datepicker") {
    field = document.createElement("input"); field.type = "date"; field.value = el.initial_date || "";
  } else if (el.type === "timepicker") {
    field = document.createElement("input"); field.type = "time"; field.value = el.initial_time || "";
  } else if (el.type === "checkboxes" || el.type === "radio_buttons") {
    field = document.createElement("div");
    const kind = el.type === "checkboxes" ? "checkbox" : "radio";
    const initial = (el.initial_options || (el.initial_option ? [el.initial_option] : [])).map((o) => o.value);
    field.innerHTML = (el.options || []).map((o) => `<label class="choice"><input type="${kind}" name="${id}" value="${esc(o.value)}"${initial.includes(o.value) ? " checked" : ""}> ${esc(emoji(o.text.text))}</label>`).join("");
  } else {
    field = document.createElement("div"); field.className = "hint"; field.textContent = `(${el.type} is not shown in the sandbox)`;
  }
  field.id = id; field.dataset.action = el.action_id;
  wrap.appendChild(field);
  if (b.hint) wrap.insertAdjacentHTML("beforeend", `<div class="hint">${esc(b.hint.text)}</div>`);
  return wrap;
}

function collect(view) {
  const values = {};
  for (const b of view.blocks || []) {
    if (b.type !== "input") continue;
    const el = b.element, field = document.getElementById("f-" + b.block_id);
    let v;
    if (el.type === "plain_text_input") v = { type: el.type, value: field.value || null };
    else if (el.type === "static_select") v = { type: el.type, selected_option: field.value ? { value: field.value, text: { type: "plain_text", text: field.selectedOptions[0].text } } : null };
    else if (el.type === "users_select") v = { type: el.type, selected_user: field.value || null };
    else if (el.type === "multi_users_select") v = { type: el.type, selected_users: [...field.selectedOptions].map((o) => o.value) };
    else if (el.type === "multi_static_select") v = { type: el.type, selected_options: [...field.selectedOptions].map((o) => ({ value: o.value })) };
    else if (el.type === "datepicker") v = { type: el.type, selected_date: field.value || null };
    else if (el.type === "timepicker") v = { type: el.type, selected_time: field.value || null };
    else if (el.type === "checkboxes") v = { type: el.type, selected_options: [...field.querySelectorAll("input:checked")].map((i) => ({ value: i.value })) };
    else if (el.type === "radio_buttons") { const c = field.querySelector("input:checked"); v = { type: el.type, selected_option: c ? { value: c.value } : null }; }
    else continue;
    values[b.block_id] = { [el.action_id]: v };
  }
  return values;
}

// -- the page -----------------------------------------------------------------------------
function render() {
  const d = state.data;
  const who = $("#whoami");
  if (!who.options.length) {
    who.innerHTML = d.users.filter((u) => !u.is_bot).map((u) => `<option value="${u.id}">${esc(u.name)}</option>`).join("");
  }
  who.value = state.user;
  $("#clock-now").textContent = new Date(d.now).toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  $("#clock-next").textContent = d.next ? "next: " + new Date(d.next).toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : "nothing scheduled yet";
  const list = $("#channel-list");
  list.innerHTML = "";
  for (const c of d.channels) {
    const a = document.createElement("a");
    a.href = "#"; a.className = "nav-item" + (state.view === "channel" && state.channel === c.id ? " active" : "");
    a.textContent = (c.is_private ? "🔒 " : "# ") + c.name; a.dataset.channel = c.id;
    a.onclick = (ev) => { ev.preventDefault(); state.view = "channel"; state.channel = c.id; state.thread = null; state.sig = ""; refresh(); };
    list.appendChild(a);
  }
  $("#nav-home").classList.toggle("active", state.view === "home");
  $("#nav-dm").classList.toggle("active", state.view === "dm");
  const home = state.view === "home";
  $("#messages").hidden = home; $("#composer").hidden = home; $("#home").hidden = !home;
  if (home) {
    $("#title").textContent = "teamloop"; $("#subtitle").textContent = "Home";
    const h = $("#home"); h.innerHTML = "";
    const card = document.createElement("div"); card.className = "home-card";
    card.appendChild(d.home ? blocks(d.home.blocks, { home: true }) : Object.assign(document.createElement("div"), { className: "empty", textContent: "Loading your Home…" }));
    h.appendChild(card);
  } else {
    const channel = state.view === "dm" ? d.dm : state.channel;
    $("#title").textContent = state.view === "dm" ? "teamloop" : "#" + channelName(channel);
    $("#subtitle").textContent = state.view === "dm" ? "Messages with the app" : channelNote(channel);
    $("#channel-menu").hidden = state.view === "dm";
    const sig = JSON.stringify(d.messages);
    if (sig !== state.sig) {
      state.sig = sig;
      const box = $("#messages"), atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
      box.innerHTML = "";
      if (!d.messages.length) box.innerHTML = '<div class="empty">No messages yet. Type a command below, like <code>/req new Export invoices P1</code>.</div>';
      for (const m of d.messages) box.appendChild(message(m, channel, false));
      if (atBottom || !renderModal.seen) box.scrollTop = box.scrollHeight;
      renderModal.seen = true;
    }
  }
  const th = $("#thread");
  th.hidden = !d.thread;
  if (d.thread) {
    const box = $("#thread-messages"); box.innerHTML = "";
    const channel = state.view === "dm" ? d.dm : state.channel;
    for (const m of d.thread) box.appendChild(message(m, channel, true));
  }
  renderModal(d.modal);
}

// What Slack would show about a channel teamloop cannot post in.
function channelNote(id) {
  const c = (state.data.channels || []).find((x) => x.id === id);
  if (!c) return "";
  const notes = [];
  if (!c.bot_member) notes.push("teamloop is not in this channel");
  if (c.is_archived) notes.push("archived");
  if (c.posting_restricted) notes.push("app posts restricted");
  return notes.join(" · ");
}

// The channel menu: what a member or an admin does that changes where teamloop may post.
function channelMenu(ev) {
  ev.stopPropagation();
  document.querySelectorAll(".menu").forEach((x) => x.remove());
  const c = (state.data.channels || []).find((x) => x.id === state.channel);
  if (!c) return;
  const menu = document.createElement("div"); menu.className = "menu channel-menu";
  const items = [c.bot_member ? ["remove_bot", "Remove teamloop"] : ["invite_bot", "Invite teamloop"],
                 c.is_archived ? ["unarchive", "Unarchive channel"] : ["archive", "Archive channel"],
                 c.posting_restricted ? ["allow", "Allow app posts"] : ["restrict", "Restrict app posts"]];
  for (const [op, label] of items) {
    const item = document.createElement("button"); item.type = "button"; item.textContent = label; item.dataset.op = op;
    item.onclick = () => { menu.remove(); post("channel", { channel: c.id, op }); };
    menu.appendChild(item);
  }
  $("#header").appendChild(menu);
}

function setup() {
  $("#channel-menu").onclick = channelMenu;
  $("#whoami").onchange = (ev) => { state.user = ev.target.value; localStorage.setItem("tl-user", state.user); state.sig = ""; if (state.view === "home") post("home", {}); else refresh(); };
  $("#nav-home").onclick = (ev) => { ev.preventDefault(); state.view = "home"; state.thread = null; post("home", {}); };
  $("#nav-dm").onclick = (ev) => { ev.preventDefault(); state.view = "dm"; state.thread = null; state.sig = ""; refresh(); };
  document.querySelectorAll("#clock button").forEach((b) => { b.onclick = () => { b.disabled = true; post("clock", { step: b.dataset.step }).finally(() => { b.disabled = false; }); }; });
  const send = (input, thread) => async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    const channel = state.view === "dm" ? dmId() : state.channel;
    await post("send", { channel, text, thread_ts: thread ? state.thread : undefined });
  };
  $("#composer").onsubmit = send($("#compose"), false);
  $("#thread-composer").onsubmit = send($("#thread-compose"), true);
  for (const [id, form] of [["#compose", "#composer"], ["#thread-compose", "#thread-composer"]]) {
    $(id).addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $(form).requestSubmit(); } });
  }
  $("#thread-close").onclick = () => { state.thread = null; refresh(); };
  document.addEventListener("click", () => document.querySelectorAll(".menu").forEach((x) => x.remove()));
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 1000);
}

setup();
