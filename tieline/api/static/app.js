// Tieline web pages: the accounts table and the per-account stakeholder map.
// Served by the app itself; no external resources (the pages must work offline).
(function () {
  "use strict";

  const KEY = "tieline.apiKey";
  const STRENGTH_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"]; // 1 -> 5
  const EDGE_COLOURS = ["#c62828", "#e8632b", "#c99700", "#4f9d43", "#17803d"]; // darker, for lines
  const OUR_COLOUR = "#4a6fa5";
  const UNKNOWN_COLOUR = "#cfd4da";
  const BAND_LABEL = { green: "green", yellow: "yellow", red: "red" };

  const $ = (sel) => document.querySelector(sel);
  const esc = (v) =>
    String(v === null || v === undefined ? "" : v).replace(
      /[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
    );
  const pretty = (flag) => flag.replace(/_/g, " ");
  const day = (iso) => (iso ? String(iso).slice(0, 10) : "—");

  function status(text, kind) {
    const el = $("#status");
    el.textContent = text || "";
    el.className = "status" + (kind ? " " + kind : "");
  }

  // --- API key: asked once, kept in localStorage; never in a URL (URLs are logged) -------

  function askForKey(message, then) {
    const form = $("#key-form");
    form.hidden = false;
    $("#key-forget").hidden = true;
    status(message || "Enter an API key (tieline keys create) to load the data.", "warn");
    $("#key-input").focus();
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const value = $("#key-input").value.trim();
      if (!value) return;
      localStorage.setItem(KEY, value);
      form.hidden = true;
      then();
    };
  }

  async function api(path, then) {
    const key = localStorage.getItem(KEY);
    if (!key) {
      askForKey(null, then);
      return null;
    }
    const res = await fetch(path, { headers: { "X-API-Key": key, Accept: "application/json" } });
    if (res.status === 401) {
      localStorage.removeItem(KEY);
      askForKey("That API key was not accepted; enter another.", then);
      return null;
    }
    const body = await res.json();
    if (!res.ok) {
      status(body.detail || res.statusText, "error");
      return null;
    }
    $("#key-forget").hidden = false;
    return body;
  }

  function bandBadge(health) {
    if (health && health.band === "unknown") {
      return '<span class="band none" title="too little two-way conversation to score">unknown</span>';
    }
    if (!health || health.score === null || health.score === undefined) {
      return '<span class="band none">no score</span>';
    }
    const band = BAND_LABEL[health.band] || "none";
    return `<span class="band ${band}">${Math.round(health.score)} ${esc(health.band || "")}</span>`;
  }

  function trendText(trend) {
    if (trend === null || trend === undefined) return '<span class="trend flat">—</span>';
    if (trend > 0) return `<span class="trend up">▲ +${trend.toFixed(1)}</span>`;
    if (trend < 0) return `<span class="trend down">▼ ${trend.toFixed(1)}</span>`;
    return '<span class="trend flat">● 0.0</span>';
  }

  function flagChips(flags, reasons) {
    if (!flags.length) return '<span class="muted">none</span>';
    return flags
      .map((f) => `<span class="flag" title="${esc((reasons || {})[f] || "")}">${esc(pretty(f))}</span>`)
      .join(" ");
  }

  // --- Accounts page ----------------------------------------------------------------------

  const COLUMNS = [
    { key: "name", label: "Account", value: (a) => a.name.toLowerCase() },
    { key: "health", label: "Health", value: (a) => a.health.score },
    { key: "trend", label: "Trend", value: (a) => a.health.trend },
    { key: "relationship", label: "Relationship", value: (a) => a.relationship },
    { key: "flags", label: "Flags", value: (a) => a.flags.length },
    { key: "people", label: "People", value: (a) => a.people },
    { key: "messages", label: "Messages", value: (a) => a.messages },
    { key: "last_message", label: "Last message", value: (a) => a.last_message },
  ];

  function renderAccounts(data, sort) {
    const col = COLUMNS.find((c) => c.key === sort.key);
    const rows = data.accounts.slice().sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1; // no data sorts last either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sort.dir;
    });
    const head = COLUMNS.map((c) => {
      const mark = c.key === sort.key ? (sort.dir > 0 ? " ▲" : " ▼") : "";
      const aria = c.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none";
      return `<th data-key="${c.key}" aria-sort="${aria}" tabindex="0">${c.label}${mark}</th>`;
    }).join("");
    const body = rows
      .map(
        (a) => `<tr data-id="${a.id}" class="band-${esc(a.health.band || "none")}">
          <td><a href="/accounts/${a.id}${data.requested ? "?as_of=" + encodeURIComponent(data.requested) : ""}">${esc(a.name)}</a>
            <div class="muted small">${esc(a.domains.join(", "))}</div></td>
          <td>${bandBadge(a.health)}</td>
          <td>${trendText(a.health.trend)}</td>
          <td>${a.relationship ? esc(a.relationship) + "/5" : "—"}</td>
          <td>${flagChips(a.flags)}</td>
          <td class="num">${esc(a.people)}</td>
          <td class="num">${esc(a.messages)}</td>
          <td>${day(a.last_message)}</td>
        </tr>`,
      )
      .join("");
    $("#main").innerHTML = `
      <h1>Accounts</h1>
      <p class="muted">Health as of <strong>${esc(data.as_of || "no snapshot yet")}</strong>${data.requested ? " (asked for " + esc(data.requested) + ")" : ""}; counts up to that day.
        Click a column to sort, an account to open its stakeholder map.</p>
      <table id="accounts" class="accounts"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
    document.querySelectorAll("#accounts th").forEach((th) => {
      const go = () => {
        const key = th.dataset.key;
        const dir = key === sort.key ? -sort.dir : key === "name" ? 1 : -1;
        renderAccounts(data, { key, dir });
      };
      th.addEventListener("click", go);
      th.addEventListener("keydown", (ev) => ev.key === "Enter" && go());
    });
    window.tielineAccounts = { data, sort };
  }

  async function accountsPage() {
    status("Loading accounts…");
    const asOf = new URL(window.location.href).searchParams.get("as_of");
    const data = await api(`/web/accounts.json${asOf ? "?as_of=" + encodeURIComponent(asOf) : ""}`, accountsPage);
    if (!data) return;
    status("");
    renderAccounts(data, { key: "health", dir: 1 }); // weakest first: that is where work is
  }

  // --- Stakeholder map --------------------------------------------------------------------

  function nodeColour(n) {
    if (n.side === "us") return OUR_COLOUR;
    if (!n.strength) return UNKNOWN_COLOUR;
    return STRENGTH_COLOURS[n.strength - 1];
  }

  function positions(nodes) {
    const us = nodes.filter((n) => n.side === "us");
    const them = nodes.filter((n) => n.side === "them"); // already sorted by strength
    const gap = 120;
    const place = {};
    const column = (list, x) => {
      const top = -((list.length - 1) * gap) / 2;
      list.forEach((n, i) => (place[n.id] = { x, y: top + i * gap }));
    };
    column(us, 0);
    column(them, 520);
    const top = -((Math.max(us.length, them.length) - 1) * gap) / 2 - 90;
    return { place, top };
  }

  function elements(data) {
    const { place, top } = positions(data.nodes);
    const maxMessages = Math.max(1, ...data.edges.map((e) => e.messages));
    const els = [
      { group: "nodes", data: { id: "heading-us", label: "Our team" }, position: { x: 0, y: top }, classes: "heading" },
      {
        group: "nodes",
        data: { id: "heading-them", label: data.account.name },
        position: { x: 520, y: top },
        classes: "heading",
      },
    ];
    data.nodes.forEach((n) => {
      const classes = ["person", n.side];
      if (n.departed) classes.push("departed");
      if (n.dark) classes.push("dark");
      if (n.former_champion) classes.push("former-champion");
      const tag = n.departed
        ? n.former_champion ? "\n(departed champion)" : "\n(departed)"
        : n.dark ? "\n(dark)" : "";
      els.push({
        group: "nodes",
        data: {
          id: "p" + n.id,
          person: n.id,
          label: n.name + tag,
          colour: nodeColour(n),
          size: Math.round(28 + 52 * n.influence),
        },
        position: place[n.id],
        classes: classes.join(" "),
      });
    });
    data.edges.forEach((e) => {
      els.push({
        group: "edges",
        data: {
          id: `e${e.source}-${e.target}`,
          source: "p" + e.source,
          target: "p" + e.target,
          width: 1 + (9 * e.messages) / maxMessages,
          colour: EDGE_COLOURS[(e.strength || 1) - 1],
          messages: e.messages,
        },
      });
    });
    return els;
  }

  const STYLE = [
    {
      selector: "node.person",
      style: {
        "background-color": "data(colour)",
        width: "data(size)",
        height: "data(size)",
        label: "data(label)",
        "text-valign": "bottom",
        "text-margin-y": 6,
        "text-wrap": "wrap",
        "font-size": 13,
        color: "#1f2933",
        "border-width": 2,
        "border-color": "#52606d",
      },
    },
    { selector: "node.us", style: { "text-halign": "left", "text-valign": "center", "text-margin-x": -8, "text-margin-y": 0 } },
    { selector: "node.them", style: { "text-halign": "right", "text-valign": "center", "text-margin-x": 8, "text-margin-y": 0 } },
    { selector: "node.dark", style: { "background-color": "#9aa5b1", "border-color": "data(colour)", "border-width": 4, color: "#7b8794" } },
    {
      selector: "node.departed",
      style: { "border-style": "dashed", "border-width": 4, "border-color": "#1f2933", "background-opacity": 0.55, color: "#616e7c" },
    },
    { selector: "node:selected", style: { "overlay-color": "#2563eb", "overlay-opacity": 0.18, "overlay-padding": 6 } },
    {
      selector: "node.heading",
      style: {
        label: "data(label)",
        "background-opacity": 0,
        "border-width": 0,
        "font-size": 16,
        "font-weight": "bold",
        color: "#323f4b",
        events: "no",
        width: 1,
        height: 1,
      },
    },
    {
      selector: "edge",
      style: { width: "data(width)", "line-color": "data(colour)", opacity: 0.75, "curve-style": "bezier" },
    },
    { selector: "edge.faded", style: { opacity: 0.12 } },
  ];

  function bars(components, missing) {
    const names = Object.keys(components);
    if (!names.length) return '<p class="muted">No strength yet: no conversation scored.</p>';
    const rows = names
      .map((k) => {
        const v = components[k];
        const pct = Math.round(v * 100);
        const colour = STRENGTH_COLOURS[Math.min(4, Math.floor(v * 5))];
        return `<div class="bar-row"><span class="bar-label">${esc(pretty(k))}</span>
          <span class="bar"><span class="bar-fill" style="width:${pct}%;background:${colour}"></span></span>
          <span class="bar-value">${v.toFixed(2)}</span></div>`;
      })
      .join("");
    const gaps = missing && missing.length ? `<p class="muted small">no data: ${esc(missing.map(pretty).join(", "))}</p>` : "";
    return `<div id="components" class="components">${rows}</div>${gaps}`;
  }

  function showPerson(data, id) {
    const n = data.nodes.find((x) => x.id === id);
    if (!n) return;
    const names = Object.fromEntries(data.nodes.map((x) => [x.id, x.name]));
    const links = data.edges
      .filter((e) => e.source === id || e.target === id)
      .sort((a, b) => b.messages - a.messages)
      .map((e) => {
        const other = e.source === id ? e.target : e.source;
        return `<li>${esc(names[other])}: ${e.strength}/5, ${e.messages} messages, last ${day(e.last_contact)}</li>`;
      })
      .join("");
    const marks = [];
    if (n.departed) {
      const who = n.former_champion ? "departed champion" : "departed";
      marks.push(`<span class="flag">${who} ${esc(n.departed_on || "")}</span>`);
    }
    if (n.dark) marks.push('<span class="flag dark">dark: nothing from them in 30 days</span>');
    const sentiment = n.sentiment === null ? "—" : (n.sentiment > 0 ? "+" : "") + n.sentiment.toFixed(2);
    const strength = n.side === "us" ? "our side" : n.strength ? `${n.strength}/5` : "—";
    $("#panel").innerHTML = `
      <h2 id="panel-name">${esc(n.name)}</h2>
      <p class="muted">${esc(n.title || "")}${n.role ? " · " + esc(pretty(n.role)) : ""}</p>
      <p>${marks.join(" ")}</p>
      ${n.departure_evidence ? `<blockquote>${esc(n.departure_evidence)}</blockquote>` : ""}
      <dl class="facts">
        <dt>Strength</dt><dd id="panel-strength">${strength}</dd>
        <dt>Last contact</dt><dd id="panel-last-contact">${day(n.last_contact)}</dd>
        <dt>Open items</dt><dd id="panel-open-items">${n.open_items}${n.overdue_items ? ` (${n.overdue_items} overdue)` : ""}</dd>
        <dt>Recent sentiment</dt><dd id="panel-sentiment">${sentiment}</dd>
        <dt>Messages</dt><dd>${n.messages_in} in · ${n.messages_out} out</dd>
      </dl>
      ${n.side === "them" ? "<h3>Strength components</h3>" + bars(n.components, n.missing) : ""}
      ${n.reasons.length ? "<h3>Why</h3><ul class='reasons'>" + n.reasons.map((r) => `<li>${esc(r)}</li>`).join("") + "</ul>" : ""}
      <h3>${n.side === "us" ? "Talks with" : "Our people"}</h3><ul class="links">${links || "<li class='muted'>nobody</li>"}</ul>`;
    window.tielineMap.selected = id;
  }

  function renderMap(data) {
    const a = data.account;
    document.title = `${a.name} · stakeholder map · Tieline`;
    $("#crumb").innerHTML = `› <a href="/">Accounts</a> › ${esc(a.name)}`;
    const reasons = (a.health.reasons || []).map((r) => `<li>${esc(r)}</li>`).join("");
    $("#main").innerHTML = `
      <section class="account-head">
        <h1>${esc(a.name)}</h1>
        <div class="summary">
          <span>Health ${bandBadge(a.health)}</span>
          <span>Trend ${trendText(a.health.trend)}</span>
          <span>Relationship ${a.relationship ? a.relationship + "/5" : "—"}</span>
          <span class="muted">as of ${esc(data.as_of)}</span>
        </div>
        <div id="flags" class="flags">Flags: ${flagChips(a.flags, a.flag_reasons)}</div>
        ${reasons ? `<ul class="health-reasons muted small">${reasons}</ul>` : ""}
      </section>
      <section class="map-wrap">
        <div id="cy" class="cy" aria-label="stakeholder map"></div>
        <aside id="panel" class="panel"><p class="muted">Click a person to see their strength
          components, last contact, open items and recent sentiment.</p></aside>
      </section>
      <div class="legend small">
        <span>strength</span>${STRENGTH_COLOURS.map((c, i) => `<span class="swatch" style="background:${c};color:${i % 4 ? "#1f2933" : "#fff"}">${i + 1}</span>`).join("")}
        <span class="swatch" style="background:${OUR_COLOUR};color:#fff">us</span>
        <span>size = influence · edge width = messages ·</span>
        <span class="swatch departed-key">departed</span><span class="swatch dark-key">dark</span>
      </div>`;
    const cy = window.cytoscape({
      container: $("#cy"),
      elements: elements(data),
      style: STYLE,
      layout: { name: "preset", fit: true, padding: 60 },
      minZoom: 0.3,
      maxZoom: 2.5,
      autoungrabify: false,
    });
    cy.nodes(".heading").ungrabify().unselectify();
    window.tielineMap = { cy, data, selected: null, ready: false, show: (id) => showPerson(data, id) };
    cy.on("tap", "node.person", (evt) => {
      const id = evt.target.data("person");
      cy.edges().addClass("faded");
      evt.target.connectedEdges().removeClass("faded");
      showPerson(data, id);
    });
    cy.on("tap", (evt) => {
      if (evt.target === cy) cy.edges().removeClass("faded");
    });
    cy.ready(() => {
      window.tielineMap.ready = true;
      document.body.dataset.mapReady = "true";
    });
  }

  async function mapPage() {
    const id = document.body.dataset.accountId;
    const asOf = new URL(window.location.href).searchParams.get("as_of");
    status("Loading the stakeholder map…");
    const data = await api(`/v1/accounts/${id}/map${asOf ? "?as_of=" + encodeURIComponent(asOf) : ""}`, mapPage);
    if (!data) return;
    status("");
    renderMap(data);
  }

  function start() {
    $("#key-forget").onclick = () => {
      localStorage.removeItem(KEY);
      askForKey(null, start);
    };
    const page = document.body.dataset.page;
    (page === "map" ? mapPage : accountsPage)().catch((err) => status(String(err), "error"));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
