// The Splits API explorer: start at /, follow the links of each response, fill in actions from
// their JSON Schema. It knows no endpoint but / and /v2/auth/token; everything else comes from
// the links the API sends. Text from the API is only ever inserted as text (never as HTML).
"use strict";

(() => {
  const state = {
    token: null, // in memory only: reloading the page forgets it
    user: null,
    current: null, // the last response shown
    location: null, // the path of the last GET
    known: new Map(), // values seen in bodies, by member name, to fill in templated links
    action: null, // the action being prepared
  };
  const TOKEN_PATHS = ["/v2/auth/token", "/v2/auth/refresh"];
  const SHOWN_HEADERS = ["ETag", "Location", "Link", "Allow", "Accept-Patch", "Retry-After",
    "WWW-Authenticate", "X-Request-ID"];
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // -- HTTP ---------------------------------------------------------------------------------

  async function call(method, path, options = {}) {
    const headers = { Accept: "application/json, application/problem+json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (options.body !== undefined) headers["Content-Type"] = options.contentType || "application/json";
    if (options.ifMatch) headers["If-Match"] = options.ifMatch;
    let response;
    try {
      response = await fetch(path, { method, headers, body: options.body, cache: "no-store" });
    } catch (error) {
      return { method, path, status: 0, statusText: String(error), headers: new Headers(), json: null, text: "" };
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (error) {
      json = null; // not JSON (a schema file is, an HTML page is not): shown as text
    }
    return { method, path, status: response.status, statusText: response.statusText,
      headers: response.headers, json, text };
  }

  async function navigate(path) {
    $("address").value = path;
    state.location = path; // the last page read, to read again under another token
    show(await call("GET", path));
  }

  function go(path) {
    // GETs go through the location hash so that the browser's back button works.
    if (location.hash === `#${path}`) navigate(path);
    else location.hash = path;
  }

  // -- Tokens -------------------------------------------------------------------------------

  function setToken(token, user) {
    state.token = token || null;
    state.user = token ? user || null : null;
    $("whoami").textContent = token ? `token: ${user ? user : "pasted"}` : "anonymous";
    $("whoami").dataset.user = user || "";
    if (user) remember("username", user);
  }

  function adoptToken(result) {
    const body = result.json;
    const path = result.path.split("?")[0];
    if (result.method === "POST" && TOKEN_PATHS.includes(path) && result.status === 200 && body
        && body.access_token) {
      setToken(body.access_token, body.user && body.user.username);
      return "Logged in: the access token is kept in this page and sent with every request.";
    }
    if (result.method === "DELETE" && path === "/v2/auth/token" && result.status === 204) {
      setToken(null);
      return "Logged out: the token was revoked and forgotten.";
    }
    if (result.status === 401 && state.token) {
      return "The token was refused (expired or revoked?). Log in again or forget the token.";
    }
    return null;
  }

  // -- Values for templated links -----------------------------------------------------------

  function remember(name, value) {
    if (typeof value !== "string" && typeof value !== "number") return;
    const values = state.known.get(name) || [];
    if (!values.includes(value)) values.push(value);
    state.known.set(name, values.slice(-20));
  }

  function collect(value, depth = 0) {
    if (depth > 8 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.slice(0, 50).forEach((item) => collect(item, depth + 1));
      return;
    }
    for (const [name, member] of Object.entries(value)) {
      if (member !== null && typeof member === "object") collect(member, depth + 1);
      else if (name !== "self" && name !== "href") remember(name, member);
    }
  }

  function templateFields(href) {
    return [...href.matchAll(/{(\w+)}/g)].map((match) => match[1]);
  }

  function expand(href, values) {
    return href.replace(/{(\w+)}/g, (_, name) => encodeURIComponent(values[name]));
  }

  // -- Rendering a response -----------------------------------------------------------------

  function show(result) {
    state.current = result;
    collect(result.json);
    const notice = adoptToken(result);
    const status = $("status");
    status.textContent = `${result.method} ${result.path} → ${result.status} ${result.statusText || ""}`;
    status.dataset.status = String(result.status);
    status.className = `status s${String(result.status)[0]}xx`;
    $("notice").hidden = !notice;
    $("notice").textContent = notice || "";
    renderHeaders(result);
    const links = $("links");
    links.replaceChildren();
    const body = $("body");
    body.replaceChildren();
    const json = result.json;
    const picture = $("picture");
    picture.replaceChildren();
    picture.hidden = true;
    if (json && typeof json === "object" && !Array.isArray(json)) {
      if (Array.isArray(json.links)) links.append(linkGroup(json.links, json));
      const drawing = result.status === 200 ? draw(json) : null;
      if (drawing) {
        picture.append(drawing);
        picture.hidden = false;
      }
      body.append(renderValue(json, 0, "", json, true));
    } else if (json !== null) {
      body.append(renderValue(json, 0, "", null, true));
    } else if (result.text) {
      body.append(el("pre", { className: "raw", text: result.text }));
    } else {
      body.append(el("p", { className: "hint", text: "(no body)" }));
    }
    const location = result.headers.get("Location");
    if (location) {
      links.prepend(el("button", { type: "button", className: "link get", "data-rel": "location",
        onclick: () => go(location), text: `GET ${location} (the created resource)` }));
    }
  }

  function renderHeaders(result) {
    const list = $("headers");
    list.replaceChildren();
    for (const name of SHOWN_HEADERS) {
      const value = result.headers.get(name);
      if (value) list.append(el("dt", { text: name }), el("dd", { text: value }));
    }
    const type = result.headers.get("Content-Type");
    if (type) list.append(el("dt", { text: "Content-Type" }), el("dd", { text: type }));
  }

  function isLink(value) {
    return value && typeof value === "object" && typeof value.href === "string"
      && typeof value.method === "string";
  }

  function linkGroup(links, owner) {
    const group = el("div", { className: "links" });
    for (const link of links) {
      if (!isLink(link)) continue;
      const method = link.method.toUpperCase();
      group.append(el("button", {
        type: "button",
        className: `link ${method.toLowerCase()}`,
        "data-rel": link.rel,
        "data-method": method,
        "data-href": link.href,
        title: `${method} ${link.href}${link.templated ? " (templated)" : ""}`,
        onclick: () => follow(link, links, owner),
      }, el("span", { className: "method", text: method }), ` ${link.title || link.rel}`,
      el("span", { className: "rel", text: ` ${link.rel}` })));
    }
    return group;
  }

  function renderValue(value, depth, key, owner, top) {
    if (Array.isArray(value)) {
      if (key === "links" && value.every(isLink)) {
        return top ? el("span", { className: "hint", text: "[links above]" }) : linkGroup(value, owner);
      }
      const list = el("ol", { className: "array" });
      value.forEach((item) => list.append(el("li", {}, renderValue(item, depth + 1, "", item, false))));
      return value.length ? list : el("span", { className: "empty", text: "[]" });
    }
    if (value !== null && typeof value === "object") {
      const table = el("dl", { className: "object" });
      for (const [name, member] of Object.entries(value)) {
        table.append(el("dt", { text: name }),
          el("dd", {}, renderValue(member, depth + 1, name, value, top && depth === 0 && name === "links")));
      }
      return table;
    }
    if (typeof value === "string" && value.startsWith("/") && !value.includes("{")) {
      return el("a", { href: `#${value}`, className: "path", text: value });
    }
    return el("span", { className: `scalar ${value === null ? "null" : typeof value}`, text: JSON.stringify(value) });
  }

  // -- Pictures of training data ------------------------------------------------------------
  // Drawn beside the JSON, as inline SVG made with DOM calls (no library, no inline script or
  // style: the page's CSP stays strict). Colours come from classes in explorer.css; every mark
  // has a <title>, which the browser shows on hover.

  const SVG = "http://www.w3.org/2000/svg";
  const DAY_MS = 86400000;

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function tip(text) {
    return svg("title", { text });
  }

  function figure(kind, caption, drawing, legend) {
    return el("figure", { className: `picture ${kind}`, "data-picture": kind },
      el("figcaption", { text: caption }), drawing, legend || null);
  }

  function draw(json) {
    if (Array.isArray(json.range_view)) return drawCalendar(json);
    if (Array.isArray(json.leaderboard)) return drawLeaderboard(json);
    if (json.stats && typeof json.stats === "object" && "miles_all_time" in json.stats) {
      return drawStatistics(json);
    }
    return null;
  }

  function utcDay(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text));
    return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null;
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function round(value, digits = 1) {
    return Number(value || 0).toFixed(digits);
  }

  // A range view: one cell per day of the requested range, a column per week (Monday first),
  // shaded by miles in five steps of the range's busiest day; a logged day's title gives its
  // miles and feel.
  function drawCalendar(json) {
    const parts = String(json.self || "").split("?")[0].split("/");
    const days = new Map(json.range_view.map((day) => [day.date, day]));
    let first = utcDay(parts[parts.length - 2]);
    const last = utcDay(parts[parts.length - 1]);
    if (first === null || last === null || last < first) return null;
    const longest = 53 * 7 - 1; // a year of columns; longer ranges show their last year
    const clipped = (last - first) / DAY_MS > longest;
    if (clipped) first = last - longest * DAY_MS;
    const most = Math.max(0, ...json.range_view.map((day) => Number(day.miles) || 0));
    const cell = 13;
    const top = 16;
    const left = 28;
    const offset = (new Date(first).getUTCDay() + 6) % 7; // Monday = 0
    const weeks = Math.ceil((offset + (last - first) / DAY_MS + 1) / 7);
    const graphic = svg("svg", { class: "calendar", width: left + weeks * cell + 4,
      height: top + 7 * cell + 4, role: "img", "aria-label": "Daily miles and feel" });
    ["Mon", "", "Wed", "", "Fri", "", "Sun"].forEach((name, row) => {
      if (name) graphic.append(svg("text", { x: 0, y: top + row * cell + 10, class: "axis", text: name }));
    });
    let month = -1;
    for (let ms = first, index = offset; ms <= last; ms += DAY_MS, index += 1) {
      const date = isoDay(ms);
      const column = Math.floor(index / 7);
      const row = index % 7;
      const thisMonth = new Date(ms).getUTCMonth();
      if (thisMonth !== month && row === 0) {
        month = thisMonth;
        graphic.append(svg("text", { x: left + column * cell, y: 10, class: "axis",
          text: new Date(ms).toLocaleString("en", { month: "short", timeZone: "UTC" }) }));
      }
      const day = days.get(date);
      const miles = day ? Number(day.miles) || 0 : 0;
      const level = !day ? 0 : most <= 0 ? 1 : Math.min(4, 1 + Math.floor((miles / most) * 3.999));
      const title = day ? `${date}: ${round(miles, 2)} mi, feel ${day.feel === null ? "-" : day.feel}`
        : `${date}: nothing logged`;
      graphic.append(svg("rect", { x: left + column * cell, y: top + row * cell, width: cell - 2,
        height: cell - 2, rx: 2, class: `day lv${level}${day ? " logged" : ""}`, "data-date": date,
        "data-miles": day ? miles : null, "data-feel": day ? day.feel : null }, tip(title)));
    }
    const legend = el("p", { className: "legend" }, "less ",
      ...[0, 1, 2, 3, 4].map((level) => svg("svg", { width: 12, height: 12, class: "swatch" },
        svg("rect", { width: 11, height: 11, rx: 2, class: `lv${level}` }))),
      ` more (busiest day ${round(most, 2)} mi)${clipped ? "; the last year of the range" : ""}`);
    const total = json.range_view.reduce((sum, day) => sum + (Number(day.miles) || 0), 0);
    return figure("calendar", `${json.range_view.length} days logged, ${round(total)} miles. ` +
      "Hover a day for its miles and feel.", graphic, legend);
  }

  const KINDS = [
    ["miles_run", "run"], ["miles_biked", "bike"], ["miles_swam", "swim"], ["miles_other", "other"],
  ];

  function legendOf(kinds) {
    return el("p", { className: "legend" }, ...kinds.flatMap(([, name]) => [
      svg("svg", { width: 12, height: 12, class: "swatch" },
        svg("rect", { width: 11, height: 11, rx: 2, class: `kind-${name}` })), ` ${name} `]));
  }

  // A leaderboard: one horizontal bar per runner, split by exercise type, longest = most miles.
  function drawLeaderboard(json) {
    const rows = json.leaderboard;
    if (!rows.length) return null;
    const most = Math.max(...rows.map((row) => Number(row.miles) || 0), 0.001);
    const label = 130;
    const width = 360;
    const height = 18;
    const graphic = svg("svg", { class: "leaderboard", width: label + width + 70,
      height: rows.length * height + 4, role: "img", "aria-label": "Miles by runner and type" });
    rows.forEach((row, index) => {
      const name = [row.first, row.last].filter(Boolean).join(" ") || row.username || "?";
      const y = index * height + 2;
      const bar = svg("g", { class: "bar", "data-username": row.username || "",
        "data-miles": row.miles });
      bar.append(svg("text", { x: 0, y: y + 12, class: "name", text: `${index + 1}. ${name}` }));
      let x = label;
      for (const [field, kind] of KINDS) {
        const miles = Number(row[field]) || 0;
        const length = (miles / most) * width;
        if (length > 0) {
          bar.append(svg("rect", { x, y, width: length, height: height - 5, class: `kind-${kind}` },
            tip(`${name}: ${round(miles)} mi ${kind}`)));
        }
        x += length;
      }
      bar.append(svg("text", { x: x + 4, y: y + 12, class: "value", text: `${round(row.miles)} mi` }));
      graphic.append(bar);
    });
    return figure("leaderboard", `${rows.length} runners by miles.`, graphic, legendOf(KINDS));
  }

  // Statistics: per period, the miles split into running and the rest (each bar is its own
  // period's total), and the mean feel on a 1 to 10 scale.
  function drawStatistics(json) {
    const stats = json.stats;
    const periods = [["past_week", "past week"], ["past_month", "past month"],
      ["past_year", "past year"], ["all_time", "all time"]];
    const label = 90;
    const width = 220;
    const feelLeft = label + width + 110;
    const height = 22;
    const graphic = svg("svg", { class: "statistics", width: feelLeft + 130,
      height: periods.length * height + 20, role: "img", "aria-label": "Miles and feel by period" });
    graphic.append(svg("text", { x: feelLeft, y: 10, class: "axis", text: "feel 1 to 10" }));
    periods.forEach(([key, name], index) => {
      const miles = Number(stats[`miles_${key}`]) || 0;
      const run = Math.min(miles, Number(stats[`run_miles_${key}`]) || 0);
      const feel = stats[`feel_${key}`];
      const y = 16 + index * height;
      const row = svg("g", { class: "period", "data-period": key });
      row.append(svg("text", { x: 0, y: y + 12, class: "name", text: name }));
      const runLength = miles > 0 ? (run / miles) * width : 0;
      row.append(svg("rect", { x: label, y, width: runLength, height: height - 8, class: "kind-run" },
        tip(`${name}: ${round(run)} mi running`)));
      row.append(svg("rect", { x: label + runLength, y, width: miles > 0 ? width - runLength : 0,
        height: height - 8, class: "kind-other" }, tip(`${name}: ${round(miles - run)} mi other`)));
      row.append(svg("text", { x: label + width + 6, y: y + 12, class: "value",
        text: `${round(miles)} mi` }));
      row.append(svg("line", { x1: feelLeft, x2: feelLeft + 120, y1: y + 7, y2: y + 7, class: "scale" }));
      if (typeof feel === "number") {
        row.append(svg("circle", { cx: feelLeft + ((feel - 1) / 9) * 120, cy: y + 7, r: 5,
          class: "feel" }, tip(`${name}: mean feel ${round(feel, 2)}`)));
      }
      graphic.append(row);
    });
    return figure("statistics", "Miles per period (running and the rest) and mean feel.", graphic,
      legendOf([["", "run"], ["", "other"]]));
  }

  // -- Following links ----------------------------------------------------------------------

  function follow(link, siblings, owner) {
    const method = link.method.toUpperCase();
    const fields = link.templated ? templateFields(link.href) : [];
    if (method === "GET" && fields.length === 0) {
      go(link.href);
      return;
    }
    openAction(link, siblings, owner, fields);
  }

  function itemFor(href, owner) {
    // The representation an action targets: the object carrying the link when its self is the
    // target, else the fullest object in the current body whose self is the target (a body
    // often wraps its item: {self, user: {self, ...}}).
    if (owner && owner.self === href) return owner;
    let found = null;
    const search = (value, depth) => {
      if (depth > 8 || value === null || typeof value !== "object") return;
      if (Array.isArray(value)) {
        value.forEach((item) => search(item, depth + 1));
        return;
      }
      if (value.self === href && (!found || Object.keys(value).length > Object.keys(found).length)) {
        found = value;
      }
      Object.values(value).forEach((member) => search(member, depth + 1));
    };
    if (state.current) search(state.current.json, 0);
    return found;
  }

  async function openAction(link, siblings, owner, fields) {
    const method = link.method.toUpperCase();
    const panel = $("action");
    const container = $("fields");
    container.replaceChildren();
    $("action-title").textContent = `${method} ${link.href} — ${link.title || link.rel}`;
    $("action-help").textContent = "";
    panel.hidden = false;
    panel.dataset.method = method;
    panel.dataset.rel = link.rel;
    const action = { link, method, fields, inputs: [], schema: null, original: null };
    state.action = action;
    if (fields.length) {
      const box = el("fieldset", { className: "template" }, el("legend", { text: "Path values" }));
      for (const name of fields) {
        const known = state.known.get(name) || [];
        const input = el("input", { name: `path:${name}`, "data-field": name, required: true,
          value: known.length ? known[known.length - 1] : "", list: `known-${name}` });
        const options = el("datalist", { id: `known-${name}` },
          ...known.map((value) => el("option", { value: String(value) })));
        box.append(el("label", {}, `${name} `, input, options));
      }
      container.append(box);
    }
    const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
    $("action-body").closest("label").hidden = !hasBody;
    $("action-body").value = hasBody ? "{}" : "";
    if (!hasBody) {
      $("action-help").textContent = method === "GET" ? "Fill in the path, then send."
        : "This request has no body.";
      $("action-send").focus();
      return;
    }
    let schemaUrl = link.schema;
    if (!schemaUrl && method === "PATCH") {
      // A PATCH is a merge patch of the document its PUT replaces: use the PUT's schema.
      const put = (siblings || []).find((other) => isLink(other) && other.href === link.href
        && other.method.toUpperCase() === "PUT" && other.schema);
      schemaUrl = put && put.schema;
      $("action-help").textContent = "Sent as a JSON merge patch: only the members you change.";
    }
    action.original = fields.length ? null : itemFor(link.href, owner);
    if (schemaUrl) {
      const result = await call("GET", schemaUrl);
      if (result.status === 200 && result.json) {
        action.schema = result.json;
        renderForm(action, container);
      } else {
        $("action-help").textContent = `Could not read ${schemaUrl} (${result.status}); edit the JSON.`;
      }
    } else if (!$("action-help").textContent) {
      $("action-help").textContent = "No schema for this body: edit the JSON.";
    }
    syncBody();
  }

  function types(schema) {
    if (!schema || typeof schema !== "object") return [];
    if (Array.isArray(schema.type)) return schema.type;
    if (schema.type) return [schema.type];
    if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map((v) => (v === null ? "null" : typeof v)))];
    return [];
  }

  function renderForm(action, container) {
    const schema = action.schema;
    const properties = (schema && schema.properties) || {};
    const required = new Set((schema && schema.required) || []);
    if (schema.title || schema.description) {
      container.append(el("p", { className: "hint", text: [schema.title, schema.description].filter(Boolean).join(": ") }));
    }
    const box = el("fieldset", { className: "schema" }, el("legend", { text: "Body" }));
    for (const [name, property] of Object.entries(properties)) {
      // `true` members are read-only echoes of the representation: they need no input.
      if (property === true || property === false || (property && property.readOnly)) continue;
      const kinds = types(property);
      const nullable = kinds.includes("null");
      const initial = action.original && name in action.original ? action.original[name] : property.default;
      let input;
      if (Array.isArray(property.enum) || kinds.includes("boolean")) {
        const choices = Array.isArray(property.enum) ? property.enum : [true, false, ...(nullable ? [null] : [])];
        input = el("select", { name });
        if (!required.has(name)) input.append(el("option", { value: "__omit__", text: "(leave out)" }));
        for (const choice of choices) {
          input.append(el("option", { value: JSON.stringify(choice), text: choice === null ? "(none)" : String(choice) }));
        }
        input.value = initial === undefined ? (required.has(name) ? JSON.stringify(choices[0]) : "__omit__") : JSON.stringify(initial);
        input.dataset.kind = "json";
      } else if (kinds.includes("integer") || kinds.includes("number")) {
        input = el("input", { name, type: "number", step: kinds.includes("integer") ? "1" : "any",
          min: property.minimum, max: property.maximum });
        input.value = initial === undefined || initial === null ? "" : String(initial);
        input.dataset.kind = kinds.includes("integer") ? "integer" : "number";
      } else if (kinds.includes("string") || kinds.length === 0) {
        const long = (property.maxLength || 0) > 100;
        const type = /password/i.test(name) ? "password" : property.format === "date" ? "date"
          : property.format === "email" ? "email" : "text";
        input = long ? el("textarea", { name, rows: 3 }) : el("input", { name, type });
        if (property.maxLength) input.setAttribute("maxlength", property.maxLength);
        input.value = initial === undefined || initial === null ? "" : String(initial);
        input.dataset.kind = "string";
      } else {
        continue; // objects and arrays: edit them in the JSON below
      }
      input.dataset.nullable = nullable ? "1" : "";
      input.dataset.required = required.has(name) ? "1" : "";
      input.addEventListener("input", syncBody);
      input.addEventListener("change", syncBody);
      action.inputs.push(input);
      const hint = [property.description, property.maxLength ? `max ${property.maxLength}` : null,
        property.minimum !== undefined ? `min ${property.minimum}` : null].filter(Boolean).join(", ");
      box.append(el("label", { className: required.has(name) ? "required" : "" },
        el("span", { className: "name", text: name }), input,
        hint ? el("span", { className: "hint", text: hint }) : null));
    }
    container.append(box);
  }

  function fieldValue(input) {
    const raw = input.value;
    if (input.dataset.kind === "json") return raw === "__omit__" ? undefined : JSON.parse(raw);
    if (raw === "") return input.dataset.nullable ? null : input.dataset.required ? "" : undefined;
    if (input.dataset.kind === "integer") return Number.parseInt(raw, 10);
    if (input.dataset.kind === "number") return Number(raw);
    return raw;
  }

  function syncBody() {
    const action = state.action;
    if (!action || !action.schema) return;
    const body = {};
    for (const input of action.inputs) {
      const value = fieldValue(input);
      if (value === undefined) continue;
      if (action.method === "PATCH" && action.original
          && JSON.stringify(action.original[input.name]) === JSON.stringify(value)) continue;
      body[input.name] = value;
    }
    $("action-body").value = JSON.stringify(body, null, 2);
  }

  async function send(event) {
    event.preventDefault();
    const action = state.action;
    if (!action) return;
    const values = {};
    for (const input of $("fields").querySelectorAll("[data-field]")) values[input.dataset.field] = input.value;
    const href = action.fields.length ? expand(action.link.href, values) : action.link.href;
    Object.entries(values).forEach(([name, value]) => remember(name, value));
    if (action.method === "GET") {
      closeAction();
      go(href);
      return;
    }
    const options = {};
    if (["POST", "PUT", "PATCH"].includes(action.method)) {
      const text = $("action-body").value.trim() || "{}";
      try {
        JSON.parse(text);
      } catch (error) {
        $("action-help").textContent = `The body is not valid JSON: ${error.message}`;
        return;
      }
      options.body = text;
      options.contentType = action.method === "PATCH" ? "application/merge-patch+json" : "application/json";
    }
    const current = state.current;
    if (current && current.path === href && current.headers.get("ETag")) {
      options.ifMatch = current.headers.get("ETag"); // change only the version on screen
    }
    closeAction();
    show(await call(action.method, href, options));
  }

  function closeAction() {
    $("action").hidden = true;
    state.action = null;
  }

  // -- Wiring -------------------------------------------------------------------------------

  function start() {
    $("action-form").addEventListener("submit", send);
    $("action-cancel").addEventListener("click", closeAction);
    $("address-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const path = $("address").value.trim() || "/";
      go(path.startsWith("/") ? path : `/${path}`);
    });
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = JSON.stringify({ username: $("login-username").value, password: $("login-password").value });
      $("login-password").value = "";
      show(await call("POST", "/v2/auth/token", { body }));
    });
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      $("token").value = "";
      setToken(token.replace(/^Bearer\s+/i, ""), null);
      navigate(state.location || "/");
    });
    $("forget").addEventListener("click", () => {
      setToken(null);
      navigate("/");
    });
    window.addEventListener("hashchange", () => navigate(decodeURI(location.hash.slice(1)) || "/"));
    navigate(location.hash.length > 1 ? decodeURI(location.hash.slice(1)) : "/");
  }

  document.addEventListener("DOMContentLoaded", start);
})();
