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
    if (json && typeof json === "object" && !Array.isArray(json)) {
      if (Array.isArray(json.links)) links.append(linkGroup(json.links, json));
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
